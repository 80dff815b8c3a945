// The committed Deep Wasserstein Embedding model (models/ in the repository) that eval,
// bench and the mining commands load by default: it is copied beside otk when otk is built
// or installed as a tool, so the defaults work from any directory.
namespace OtKernels.Cli.Commands;

internal static class CommittedDwe
{
    /// <summary>models/dwe-mnist.safetensors, beside otk.</summary>
    public static string Model { get; } = Path.Combine(AppContext.BaseDirectory, "models", "dwe-mnist.safetensors");

    /// <summary>The held-out test pairs the committed model was evaluated on, beside otk too.</summary>
    public static string TestPairs { get; } = Path.Combine(AppContext.BaseDirectory, "models", "dwe-mnist-test-pairs.csv");
}
