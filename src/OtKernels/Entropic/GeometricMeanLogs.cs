// sum_k lambda_k log factor_k over a chunk of images (the grid barycenters' geometric mean,
// b = exp(sum_k lambda_k log factor_k)), with one logarithm per run of images of equal
// weight: the log of the run's product. The product is kept as each factor is made, so no
// factor is stored: a run ends (its log is added) when the weight changes, at the end of the
// chunk, and before a factor that would take the product out of the positive normal doubles,
// where its log would lose digits or the value. A lone factor outside them (0, subnormal,
// infinite) takes the exact log. This replaced a ring of eight stored factors multiplied after
// the chunk (50 KB a thread on MNIST, more than L1, and one more pass over them).
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.LinearAlgebra;

namespace OtKernels.Entropic;

internal sealed class GeometricMeanLogs(int n)
{
    private double[] _product = new double[n], _next = new double[n];
    private double _weight = double.NaN;  // the open run's weight; NaN when none is open
    private bool _summed;                 // whether sum holds a run's log since Start

    /// <summary>Starts a chunk: its first run's log is stored into sum, not added (sum is an
    /// array of the chunks' sums out of cache, and clearing it first cost 2% of a barycenter).</summary>
    public void Start() => (_weight, _summed) = (double.NaN, false);

    /// <summary>Takes factor = TFactor(x, y) into the open run, or ends the run (adding
    /// its log to sum) and opens one with it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add<TFactor>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double weight, Span<double> sum) where TFactor : struct, Elementwise.IBinary
    {
        if (weight == _weight && MultiplyInRange<TFactor>(_product, x, y, _next))
        {
            (_product, _next) = (_next, _product);
            return;
        }
        Flush(sum);
        Elementwise.Map<TFactor>(x, y, _product);
        _weight = weight;
    }

    /// <summary>Ends the open run, if any: sum += weight log(product) (sum = on the chunk's
    /// first run).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Flush(Span<double> sum)
    {
        if (double.IsNaN(_weight)) return;
        if (Elementwise.AllInRange(_product, VectorMath.SmallestNormal, double.MaxValue)) AddScaledLog(_product, _weight, sum, _summed);
        else
        {
            // Only a run of one factor can be here: longer runs are kept inside the range.
            if (!_summed) sum.Clear();
            TensorPrimitives.Log(_product, _next);
            TensorPrimitives.MultiplyAdd(_next, _weight, sum, sum);
        }
        (_weight, _summed) = (double.NaN, true);
    }

    /// <summary>next = product TFactor(x, y); whether every value of next is a positive
    /// normal double (false on NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool MultiplyInRange<TFactor>(ReadOnlySpan<double> product, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> next)
        where TFactor : struct, Elementwise.IBinary
    {
        ThrowHelper.ThrowIfLengthMismatch(x.Length, next.Length, nameof(x), nameof(next));
        ThrowHelper.ThrowIfLengthMismatch(y.Length, next.Length, nameof(y), nameof(next));
        int i = 0, length = next.Length;
        bool inside = true;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double pRef = ref MemoryMarshal.GetReference(product), xRef = ref MemoryMarshal.GetReference(x);
            ref double yRef = ref MemoryMarshal.GetReference(y), nRef = ref MemoryMarshal.GetReference(next);
            Vector256<double> mask = Vector256<double>.AllBitsSet, low = Vector256.Create(VectorMath.SmallestNormal), high = Vector256.Create(double.MaxValue);
            for (; i <= length - 4; i += 4)
            {
                Vector256<double> value = Vector256.LoadUnsafe(ref pRef, (nuint)i)
                    * TFactor.Apply(Vector256.LoadUnsafe(ref xRef, (nuint)i), Vector256.LoadUnsafe(ref yRef, (nuint)i));
                value.StoreUnsafe(ref nRef, (nuint)i);
                mask &= Vector256.GreaterThanOrEqual(value, low) & Vector256.LessThanOrEqual(value, high);
            }
            inside = mask.ExtractMostSignificantBits() == 0b1111;  // every lane set (see Elementwise.AllInRange)
        }
        for (; i < length; i++)
        {
            double value = product[i] * TFactor.Apply(x[i], y[i]);
            next[i] = value;
            inside &= value >= VectorMath.SmallestNormal && value <= double.MaxValue;
        }
        return inside;
    }

    /// <summary>sum += weight log(values), or sum = weight log(values) when not add, for
    /// positive normal values (VectorMath's log, inlined: no tier-0 code).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaledLog(ReadOnlySpan<double> values, double weight, Span<double> sum, bool add)
    {
        ThrowHelper.ThrowIfLengthMismatch(values.Length, sum.Length, nameof(values), nameof(sum));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double vRef = ref MemoryMarshal.GetReference(values), sRef = ref MemoryMarshal.GetReference(sum);
            Vector256<double> w = Vector256.Create(weight);
            if (add)
            {
                for (; i <= values.Length - 4; i += 4)
                    (VectorMath.LogOfNormal(Vector256.LoadUnsafe(ref vRef, (nuint)i)) * w + Vector256.LoadUnsafe(ref sRef, (nuint)i)).StoreUnsafe(ref sRef, (nuint)i);
            }
            else
            {
                for (; i <= values.Length - 4; i += 4)
                    (VectorMath.LogOfNormal(Vector256.LoadUnsafe(ref vRef, (nuint)i)) * w).StoreUnsafe(ref sRef, (nuint)i);
            }
        }
        for (; i < values.Length; i++) sum[i] = (add ? sum[i] : 0) + Math.Log(values[i]) * weight;
    }

    /// <summary>The factor y (Benamou's start: the first y_k).</summary>
    public readonly struct Second : Elementwise.IBinary
    {
        public static Vector256<double> Apply(Vector256<double> x, Vector256<double> y) => y;
        public static double Apply(double x, double y) => y;
    }

    /// <summary>The factor y + 1e-30, POT's floor under the convolutional barycenter's logarithm.</summary>
    public readonly struct SecondPlusFloor : Elementwise.IBinary
    {
        private const double Floor = 1e-30;
        public static Vector256<double> Apply(Vector256<double> x, Vector256<double> y) => y + Vector256.Create(Floor);
        public static double Apply(double x, double y) => y + Floor;
    }
}
