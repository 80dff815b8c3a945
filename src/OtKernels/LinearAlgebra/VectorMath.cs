// exp and log of four doubles at once, inlined into the soft-min's fused passes, on the
// domains those passes guarantee, so that no lane needs a special case. The runtime's
// Vector256.Exp and .Log (ports of AMD's AOCL-LibM) are calls that handle every input; in
// the grid soft-min their calls and the loops around them took 29% of an MNIST solve
// (perf, 300 pairs). These are the textbook reductions with Taylor polynomials, evaluated by
// Estrin's scheme (pairs of terms, then the powers z^2, z^4, z^8: four multiply-adds deep
// instead of Horner's thirteen, so that neighbouring vectors overlap); VectorMathTests
// checks them against Math.Exp and Math.Log to 2 ulp over their domains:
//  - exp, x in [-708, 709]: x = n ln2 + r with |r| <= ln2/2 (Cody and Waite's two-part ln2,
//    n Ln2Hi exact), e^r by its Taylor series to r^13 (the first term left out, r^14/14!
//    < 3e-18, is under a quarter ulp), and 2^n made in the exponent bits: n is in the low
//    bits of x/ln2 + 1.5 2^52, the rounding shifter;
//  - log, x positive and normal (NaN and +inf pass through): x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1
//    (exact), s = f / (2 + f), and log(1 + f) = 2 atanh(s) = f - s (f - R) with
//    R = sum_k 2 s^2k / (2k + 1) to k = 9 (|s| <= 0.172: the rest is under 2^-60 of the
//    result); the correction is small against f, so f's exactness carries to the sum.
// Floats take the runtime's functions (the point-cloud passes; a float exp is a shorter
// polynomial there already).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OtKernels.LinearAlgebra;

internal static class VectorMath
{
    /// <summary>The smallest positive normal double, where LogOfNormal's domain starts.</summary>
    internal const double SmallestNormal = 2.2250738585072014e-308;

    private const double Log2E = 1.4426950408889634;
    private const double Ln2Hi = 0.693147180369123816490; // ln 2 to 32 significant bits
    private const double Ln2Lo = 1.90821492927058770002e-10; // ln 2 - Ln2Hi
    private const double Shifter = 6755399441055744.0;       // 1.5 2^52
    // A constant, not a static readonly: a static read in a loop compiled before the class is
    // initialised (untiered code) keeps its initialisation check, a call that spilled the
    // loop's vectors to the stack.
    private const long ShifterBits = 0x4338_0000_0000_0000;   // the bits of Shifter

    /// <summary>e^x per lane for every x: the runtime's vector exp (precompiled in CoreLib, so
    /// fast from the first call, where TensorPrimitives' loops start as tier-0 code).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? Vector256.Exp(x.AsDouble()).As<double, T>() : Vector256.Exp(x.AsSingle()).As<float, T>();

    /// <summary>e^x per lane for x in [-708, 709] (a clamped soft-min argument); outside it
    /// the result is not e^x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ExpInRange<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? ExpInRange(x.AsDouble()).As<double, T>() : Vector256.Exp(x.AsSingle()).As<float, T>();

    /// <summary>log x per lane for x positive and normal (a soft-min's sum), NaN and +inf
    /// passed through; for zero, subnormal or negative x the result is not log x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LogOfNormal<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? LogOfNormal(x.AsDouble()).As<double, T>() : Vector256.Log(x.AsSingle()).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> ExpInRange(Vector256<double> x)
    {
        Vector256<double> shifted = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(Shifter));
        Vector256<double> n = shifted - Vector256.Create(Shifter);
        Vector256<double> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        Vector256<double> r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        Vector256<double> a0 = r + Vector256<double>.One;
        Vector256<double> a1 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 6), Vector256.Create(0.5));
        Vector256<double> a2 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 120), Vector256.Create(1.0 / 24));
        Vector256<double> a3 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 5040), Vector256.Create(1.0 / 720));
        Vector256<double> a4 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 362880), Vector256.Create(1.0 / 40320));
        Vector256<double> a5 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 39916800), Vector256.Create(1.0 / 3628800));
        Vector256<double> a6 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 6227020800), Vector256.Create(1.0 / 479001600));
        Vector256<double> b0 = Vector256.FusedMultiplyAdd(a1, r2, a0), b1 = Vector256.FusedMultiplyAdd(a3, r2, a2);
        Vector256<double> b2 = Vector256.FusedMultiplyAdd(a5, r2, a4);
        Vector256<double> c0 = Vector256.FusedMultiplyAdd(b1, r4, b0), c1 = Vector256.FusedMultiplyAdd(a6, r4, b2);
        Vector256<double> p = Vector256.FusedMultiplyAdd(c1, r8, c0);
        Vector256<long> biased = shifted.AsInt64() - Vector256.Create(ShifterBits - 1023); // n + 1023, in [1, 2046]
        return p * (biased << 52).AsDouble();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LogOfNormal(Vector256<double> x)
    {
        Vector256<long> bits = x.AsInt64();
        // m in [1, 2), halved when above sqrt(2) (and its exponent counted one higher).
        Vector256<double> m = ((bits & Vector256.Create(0x000FFFFFFFFFFFFFL)) | Vector256.Create(0x3FF0000000000000L)).AsDouble();
        Vector256<double> high = Vector256.GreaterThan(m, Vector256.Create(1.4142135623730951));
        m = Vector256.ConditionalSelect(high, m * Vector256.Create(0.5), m);
        Vector256<long> exponent = Vector256.ShiftRightLogical(bits, 52) - Vector256.Create(1023L) - high.AsInt64(); // true is -1
        Vector256<double> e = (exponent + Vector256.Create(ShifterBits)).AsDouble() - Vector256.Create(Shifter); // exact: |e| < 2^51
        Vector256<double> f = m - Vector256<double>.One;
        Vector256<double> s = f / (f + Vector256.Create(2.0));
        Vector256<double> z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
        Vector256<double> a0 = Vector256.FusedMultiplyAdd(z, Vector256.Create(2.0 / 5), Vector256.Create(2.0 / 3));
        Vector256<double> a1 = Vector256.FusedMultiplyAdd(z, Vector256.Create(2.0 / 9), Vector256.Create(2.0 / 7));
        Vector256<double> a2 = Vector256.FusedMultiplyAdd(z, Vector256.Create(2.0 / 13), Vector256.Create(2.0 / 11));
        Vector256<double> a3 = Vector256.FusedMultiplyAdd(z, Vector256.Create(2.0 / 17), Vector256.Create(2.0 / 15));
        Vector256<double> b0 = Vector256.FusedMultiplyAdd(a1, z2, a0), b1 = Vector256.FusedMultiplyAdd(a3, z2, a2);
        Vector256<double> c0 = Vector256.FusedMultiplyAdd(b1, z4, b0);
        Vector256<double> r = Vector256.FusedMultiplyAdd(Vector256.Create(2.0 / 19), z8, c0) * z; // R
        Vector256<double> log1p = f - s * (f - r);
        Vector256<double> result = Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Hi), Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Lo), log1p));
        // NaN and +inf pass through, so that a diverged sum stays visible.
        return Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256.Create(double.MaxValue)), result, x);
    }
}
