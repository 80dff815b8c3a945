// The one rule for how the exact solvers accept two masses (EmdOptions): equal sums within
// a relative tolerance (b is then rescaled to a's mass so the sums agree to rounding), or
// both normalised to 1 on request.
namespace OtKernels.Exact;

internal static class MassBalance
{
    /// <summary>Validates a and b (finite, nonnegative, not all zero) and returns the factors
    /// by which they are multiplied before solving.</summary>
    public static (double ScaleA, double ScaleB) Scales(ReadOnlySpan<double> a, ReadOnlySpan<double> b, EmdOptions options,
        string aName = "a", string bName = "b") =>
        Scales(a, b, options.MassTolerance, options.Normalize, aName, bName);

    public static (double ScaleA, double ScaleB) Scales(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double tolerance, bool normalize,
        string aName = "a", string bName = "b")
    {
        double sumA = ThrowHelper.ValidateMasses(a, aName);
        double sumB = ThrowHelper.ValidateMasses(b, bName);
        if (normalize) return (1 / sumA, 1 / sumB);
        if (Math.Abs(sumA - sumB) > tolerance * Math.Max(sumA, sumB))
        {
            throw new ArgumentException(
                $"{aName} sums to {sumA:R} and {bName} to {sumB:R}; they must agree within a relative {tolerance:R} (or set Normalize).", bName);
        }
        return (1, sumA / sumB);
    }
}
