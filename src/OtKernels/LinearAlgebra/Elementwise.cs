// Element-wise maps over double spans as loops of our own, compiled fully optimised at their
// first call. TensorPrimitives' equivalents start as tier-0 code under .NET's default tiered
// compilation, and so do the runtime's generic vector log and its helpers that they call:
// a 1,000-digit barycenter (3.5 s of work) still spent 16% of its samples in such code and
// ran 1.6-1.8x slower tiered than untiered (docs/PERFORMANCE.md, "Under .NET's default
// tiered compilation"). Each operation is a struct, so the JIT specialises one loop per
// operation and inlines it.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OtKernels.LinearAlgebra;

internal static class Elementwise
{
    /// <summary>result_i = TOp(x_i, y_i); result may be x or y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOp>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) where TOp : struct, IBinary
    {
        ThrowHelper.ThrowIfLengthMismatch(x.Length, result.Length, nameof(x), "result");
        ThrowHelper.ThrowIfLengthMismatch(y.Length, result.Length, nameof(y), "result");
        int i = 0, n = result.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double xRef = ref MemoryMarshal.GetReference(x), yRef = ref MemoryMarshal.GetReference(y), rRef = ref MemoryMarshal.GetReference(result);
            for (; i <= n - 4; i += 4)
                TOp.Apply(Vector256.LoadUnsafe(ref xRef, (nuint)i), Vector256.LoadUnsafe(ref yRef, (nuint)i)).StoreUnsafe(ref rRef, (nuint)i);
        }
        for (; i < n; i++) result[i] = TOp.Apply(x[i], y[i]);
    }

    /// <summary>result_i = TOp(x_i); result may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOp>(ReadOnlySpan<double> x, Span<double> result) where TOp : struct, IUnary
    {
        ThrowHelper.ThrowIfLengthMismatch(x.Length, result.Length, nameof(x), "result");
        int i = 0, n = result.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double xRef = ref MemoryMarshal.GetReference(x), rRef = ref MemoryMarshal.GetReference(result);
            for (; i <= n - 4; i += 4) TOp.Apply(Vector256.LoadUnsafe(ref xRef, (nuint)i)).StoreUnsafe(ref rRef, (nuint)i);
        }
        for (; i < n; i++) result[i] = TOp.Apply(x[i]);
    }

    /// <summary>Whether low &lt;= v &lt;= high for every value (false on NaN): a vector pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllInRange(ReadOnlySpan<double> values, double low, double high)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double vRef = ref MemoryMarshal.GetReference(values);
            Vector256<double> inside = Vector256<double>.AllBitsSet, lo = Vector256.Create(low), hi = Vector256.Create(high);
            for (; i <= values.Length - 4; i += 4)
            {
                Vector256<double> v = Vector256.LoadUnsafe(ref vRef, (nuint)i);
                inside &= Vector256.GreaterThanOrEqual(v, lo) & Vector256.LessThanOrEqual(v, hi);
            }
            // Every lane set, read from the sign bits: not inside == AllBitsSet, which compares
            // the lanes as doubles, where a set lane is a NaN and never equal (the network
            // simplex's cost check failed that way from ea11e29 and always took its scalar loop).
            if (inside.ExtractMostSignificantBits() != 0b1111) return false;
        }
        for (; i < values.Length; i++)
            if (!(values[i] >= low && values[i] <= high)) return false;
        return true;
    }

    public interface IBinary
    {
        static abstract Vector256<double> Apply(Vector256<double> x, Vector256<double> y);
        static abstract double Apply(double x, double y);
    }

    public interface IUnary
    {
        static abstract Vector256<double> Apply(Vector256<double> x);
        static abstract double Apply(double x);
    }

    public readonly struct Add : IBinary
    {
        public static Vector256<double> Apply(Vector256<double> x, Vector256<double> y) => x + y;
        public static double Apply(double x, double y) => x + y;
    }

    public readonly struct Multiply : IBinary
    {
        public static Vector256<double> Apply(Vector256<double> x, Vector256<double> y) => x * y;
        public static double Apply(double x, double y) => x * y;
    }

    public readonly struct Divide : IBinary
    {
        public static Vector256<double> Apply(Vector256<double> x, Vector256<double> y) => x / y;
        public static double Apply(double x, double y) => x / y;
    }

    /// <summary>e^x for every x (the runtime's vector exp: its instantiation starts as tier-0 code
    /// under tiering and is promoted after its first calls, a few per iteration here, so the
    /// tiered and untiered barycenters run alike; docs/PERFORMANCE.md).</summary>
    public readonly struct Exp : IUnary
    {
        public static Vector256<double> Apply(Vector256<double> x) => VectorMath.Exp(x);
        public static double Apply(double x) => Math.Exp(x);
    }
}
