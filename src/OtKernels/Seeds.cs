// Seeded generators that give the same numbers in every process: Random(int) is one fixed
// algorithm across runs and machines, and a pair (seed, index) is folded into its seed by a
// large odd multiplier (HashCode.Combine is randomised per process, so it would not do).
namespace OtKernels;

internal static class Seeds
{
    /// <summary>A generator for item index of the stream seed (an epoch, a start).</summary>
    public static Random Generator(int seed, int index) => new(unchecked(seed * 1_000_003 + index));
}
