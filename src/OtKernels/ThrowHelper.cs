// Input validation shared by every public entry point. Each check names the argument and
// the offending index, so that a caller can find the bad value without a debugger
// (STYLE.md section 2, after System.Numerics.Tensors' ThrowHelper).
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace OtKernels;

internal static class ThrowHelper
{
    public static void ThrowIfEmpty<T>(ReadOnlySpan<T> values, string paramName)
    {
        if (values.IsEmpty)
            throw new ArgumentException("The input is empty.", paramName);
    }

    public static void ThrowIfNotFinite(ReadOnlySpan<double> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{paramName}[{i}] is {values[i]}; every entry must be finite.", paramName);
        }
    }

    /// <summary>Masses: finite and nonnegative, with a positive finite sum. Returns the sum.
    /// <paramref name="name"/> is how the message names them (histograms[2], one problem of
    /// a batch) when it differs from the argument.</summary>
    public static double ValidateMasses(ReadOnlySpan<double> masses, string paramName, string? name = null)
    {
        name ??= paramName;
        if (masses.IsEmpty) throw new ArgumentException($"{name} is empty.", paramName);
        double sum = 0;
        for (int i = 0; i < masses.Length; i++)
        {
            double w = masses[i];
            if (!double.IsFinite(w))
                throw new ArgumentException($"{name}[{i}] is {w}; masses must be finite.", paramName);
            if (w < 0)
                throw new ArgumentException($"{name}[{i}] is {w}; masses must be nonnegative.", paramName);
            sum += w;
        }
        if (!(sum > 0))
            throw new ArgumentException($"{name} has zero total mass.", paramName);
        if (double.IsInfinity(sum))
            throw new ArgumentException($"{name} sums to more than the largest double ({double.MaxValue:G4}); divide the masses by a common factor.", paramName);
        return sum;
    }

    // Inlined, with the message built out of line: the soft-mins check their spans on every
    // call, and the call with the message inside was 1.6% of a point-cloud batch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfLengthMismatch(int actual, int expected, string paramName, string what)
    {
        if (actual != expected) ThrowLengthMismatch(actual, expected, paramName, what);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthMismatch(int actual, int expected, string paramName, string what) =>
        throw new ArgumentException($"{paramName} has length {actual} but {what} requires {expected}.", paramName);
}
