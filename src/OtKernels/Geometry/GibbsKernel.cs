// The soft-min of one cost at one eps, held for the iterations of one solver stage. A small
// cost keeps its Gibbs kernel K = exp(-C/eps), made with one exp per entry per stage instead
// of one per entry per soft-min, and each soft-min becomes a product shifted by the max of h:
//     -eps LSE_j (h_j - C_ij/eps) = -eps (M + log sum_j K_ij exp(h_j - M)),   M = max_j h,
// the kernel form of Sinkhorn (Cuturi 2013) with the log-domain shift absorbed at every call
// (Schmitzer 2019, section 3). K is stored only while (max C - min C)/eps <= Widest: then every sum
// has the term K(o, k*) e^0 >= e^-Widest of the argmax k* of h, far inside the format's
// range, so no sum underflows, and the terms that do (under 2.2e-308 in double, 1.2e-38 in
// float) and the inputs raised to the exp floor (e^-700, e^-80; absent inputs among them)
// are under the last bit of every sum: the result is the log-domain one. Smaller eps, costs
// too large to store, and grids (whose separable soft-min is of this form already, with a
// fallback for the sums that do underflow there) use the cost's own SoftMin.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.LinearAlgebra;

namespace OtKernels.Geometry;

internal readonly ref struct GibbsKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Kernels up to this many entries are stored by default: K and its transpose
    /// take 1 MB in double, per workspace (SoftMinWorkspace.StoredEntriesLimit).</summary>
    public const int MaxStoredEntries = 1 << 16;

    /// <summary>The widest (max C - min C)/eps stored: K >= e^-600 in double (normal down to e^-708, floor
    /// e^-700), e^-50 in float (normal down to e^-87, floor e^-80).</summary>
    internal static double Widest => typeof(T) == typeof(float) ? 50 : 600;

    private readonly GroundCost _cost;
    private readonly SoftMinWorkspace<T> _workspace;
    private readonly Span<T> _kernel;      // K, n x m; empty when not stored
    private readonly Span<T> _transposed;  // K^T, m x n
    private readonly T _lowestCost;        // min C, taken out of K

    /// <summary>The soft-min of cost at epsilon, its kernel (when stored) and its scratch in
    /// workspace: one stored kernel per workspace at a time.</summary>
    // Not inlined (nor is SoftMin): with tiered PGO the JIT otherwise inlines both into the
    // solver loop, runs out of inlining budget there and leaves the vectorised exp's inner
    // steps as calls (measured: 100 x 100 dense Sinkhorn 1.2 ms -> 5 ms once the solver tiered up).
    // Fully optimised from its first call, as are Fused and the costs' entries: a short job of
    // many small problems otherwise ran them as tier-0 code (300 cloud pairs: 2.1-2.3k pairs/s
    // tiered against 20-27k untiered).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public GibbsKernel(GroundCost cost, T epsilon, SoftMinWorkspace<T> workspace)
    {
        _cost = cost;
        _workspace = workspace;
        Epsilon = epsilon;
        int n = cost.Rows, m = cost.Cols;
        if (!cost.SoftMinFromStoredKernel || (long)n * m > workspace.StoredEntriesLimit) return;
        Span<double> c = workspace.Costs(n * m);
        Span<int> indices = workspace.Indices(Math.Max(n, m));
        cost.FillSubmatrix(indices[..n], indices[..m], c);
        // K is stored relative to the smallest cost, exp(-(C - min C)/eps) in (0, 1], so that
        // negative costs cannot overflow it; SoftMin adds min C back.
        double lowest = c[0], highest = c[0];
        foreach (double v in c)
        {
            lowest = Math.Min(lowest, v);
            highest = Math.Max(highest, v);
        }
        if ((highest - lowest) / double.CreateTruncating(epsilon) > Widest) return;
        _lowestCost = T.CreateTruncating(lowest);
        _kernel = workspace.Kernel(n * m);
        _transposed = workspace.Transposed(n * m);
        double inverse = -1 / double.CreateTruncating(epsilon);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                _kernel[i * m + j] = _transposed[j * n + i] = T.CreateTruncating((c[i * m + j] - lowest) * inverse);
        // Every entry is in [-Widest, 0], above the exp floor: the clamp changes nothing. Our
        // own loop, fully optimised from its first call (a short job of many small problems
        // otherwise makes each kernel with TensorPrimitives' tier-0 code).
        GroundCost.ShiftedExpRow<T>(_kernel, T.Zero, GroundCost.ExpFloor<T>(), _kernel);
        GroundCost.ShiftedExpRow<T>(_transposed, T.Zero, GroundCost.ExpFloor<T>(), _transposed);
    }

    public T Epsilon { get; }

    /// <summary>As GroundCost.SoftMin at <see cref="Epsilon"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // first calls fully optimised: see ImageGridCost.SoftMin
    public void SoftMin(SoftMinAxis axis, ReadOnlySpan<T> h, Span<T> result)
    {
        if (_kernel.IsEmpty)
        {
            _cost.SoftMin(axis, Epsilon, h, result, _workspace);
            return;
        }
        bool overColumns = axis == SoftMinAxis.OverColumns;
        int outer = overColumns ? _cost.Rows : _cost.Cols, inner = overColumns ? _cost.Cols : _cost.Rows;
        ThrowHelper.ThrowIfLengthMismatch(h.Length, inner, nameof(h), "the reduced axis");
        ThrowHelper.ThrowIfLengthMismatch(result.Length, outer, nameof(result), "the kept axis");
        Span<T> scaled = _workspace.Block(inner);
        ReadOnlySpan<T> kernel = overColumns ? _transposed : _kernel; // [inner, outer]
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && outer <= FusedOutputs)
        {
            Fused(h, kernel, scaled, result, inner, outer);
            return;
        }
        T max = TensorPrimitives.Max(h);
        if (T.IsNegativeInfinity(max))
        {
            result.Fill(T.PositiveInfinity); // every input absent: -eps log 0
            return;
        }
        // Clamped at the floor, so that exp stays on its fast path (absent inputs, h = -inf, included).
        TensorPrimitives.Subtract(h, max, scaled);
        TensorPrimitives.Max(scaled, GroundCost.ExpFloor<T>(), scaled);
        TensorPrimitives.Exp<T>(scaled, scaled);
        // result_o = sum_k scaled_k K(o, k): a row vector times K^T (over columns) or K (over rows).
        SmallMatrix.Multiply<T>(scaled, kernel, result, 1, inner, outer);
        TensorPrimitives.Log<T>(result, result);
        TensorPrimitives.Add(result, max, result);
        TensorPrimitives.Multiply(result, -Epsilon, result);
        TensorPrimitives.Add(result, _lowestCost, result);
    }

    /// <summary>Outputs up to which a soft-min runs as one fused loop; larger kernels go through
    /// SmallMatrix's register-tiled product.</summary>
    private const int FusedOutputs = 64;

    /// <summary>The same soft-min as one pass of our own vector loops, for the small kernels of
    /// batched point clouds, where the library calls' work per call on 16-element spans cost
    /// more than the arithmetic: the max of h, the clamped exps, the product with the kernel
    /// [inner, outer] (SmallMatrix.Row), and the logs. The sizes are the kernel's, checked by
    /// the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fused(ReadOnlySpan<T> h, ReadOnlySpan<T> kernel, Span<T> scaled, Span<T> result, int inner, int outer)
    {
        int width = Vector256<T>.Count, k = 0;
        ref T hRef = ref MemoryMarshal.GetReference(h);
        ref T sRef = ref MemoryMarshal.GetReference(scaled), rRef = ref MemoryMarshal.GetReference(result);
        // A NaN in h makes every output NaN through its exp, whatever the max.
        Vector256<T> top = Vector256.Create(T.NegativeInfinity);
        for (; k <= inner - width; k += width) top = Vector256.Max(top, Vector256.LoadUnsafe(ref hRef, (nuint)k));
        T max = T.NegativeInfinity;
        for (int lane = 0; lane < width; lane++) max = T.Max(max, top[lane]);
        for (; k < inner; k++) max = T.Max(max, h[k]);
        if (T.IsNegativeInfinity(max))
        {
            result.Fill(T.PositiveInfinity); // every input absent: -eps log 0
            return;
        }
        // Clamped at the floor, so that exp stays on its fast path (absent inputs, h = -inf, included).
        T floor = GroundCost.ExpFloor<T>();
        Vector256<T> shift = Vector256.Create(max), low = Vector256.Create(floor);
        for (k = 0; k <= inner - width; k += width)
            VectorMath.ExpInRange(Vector256.Max(Vector256.LoadUnsafe(ref hRef, (nuint)k) - shift, low)).StoreUnsafe(ref sRef, (nuint)k);
        for (; k < inner; k++) scaled[k] = T.Exp(T.Max(h[k] - max, floor));
        // The sums first (SmallMatrix's one-row product), then their logs.
        SmallMatrix.Row<Vector256<T>, Lanes256<T>, T>(scaled[..inner], kernel, outer, result, inner, outer);
        Vector256<T> scale = Vector256.Create(-Epsilon), lowest = Vector256.Create(_lowestCost);
        int o = 0;
        for (; o <= outer - width; o += width)
            ((VectorMath.LogOfNormal(Vector256.LoadUnsafe(ref rRef, (nuint)o)) + shift) * scale + lowest).StoreUnsafe(ref rRef, (nuint)o);
        for (; o < outer; o++) result[o] = (T.Log(result[o]) + max) * -Epsilon + _lowestCost;
    }
}
