// The one operation log-domain Sinkhorn needs from a cost (OTT's update_potential,
// GeomLoss's softmin): the soft-min of C against a log-weighted potential,
//     result_i = -eps * log sum_j exp(h_j - C_ij / eps),
// computed max-shifted, so no exp overflows and entries with h_j = -inf (zero weights)
// contribute exactly nothing. Solvers never index a cost matrix; subclasses replace this
// row-by-row default with what their structure allows (ImageGridCost: separable passes).
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.LinearAlgebra;

namespace OtKernels.Geometry;

public abstract partial class GroundCost
{
    /// <summary>The soft-min along <paramref name="axis"/>, with scratch of its own (allocated
    /// per call: loops pass a <see cref="SoftMinWorkspace{T}"/>).</summary>
    /// <param name="axis">OverColumns: h has length Cols and result length Rows; OverRows: the reverse.</param>
    /// <param name="epsilon">eps &gt; 0, in the unit of the cost.</param>
    /// <param name="h">Log-weighted potential (g/eps + log b for the f update); -inf entries are absent.</param>
    /// <param name="result">Receives the soft-min; +inf where every h is -inf.</param>
    public void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T> => SoftMin(axis, epsilon, h, result, new SoftMinWorkspace<T>());

    /// <summary>The soft-min along <paramref name="axis"/>, with the caller's scratch: what a
    /// subclass overrides with what its structure allows.</summary>
    /// <param name="axis">OverColumns: h has length Cols and result length Rows; OverRows: the reverse.</param>
    /// <param name="epsilon">eps &gt; 0, in the unit of the cost.</param>
    /// <param name="h">Log-weighted potential (g/eps + log b for the f update); -inf entries are absent.</param>
    /// <param name="result">Receives the soft-min; +inf where every h is -inf.</param>
    /// <param name="workspace">Scratch reused from call to call; one thread at a time.</param>
    public virtual void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result, SoftMinWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(workspace);
        (bool overColumns, int outer, int inner) = SoftMinShape(axis, h.Length, result.Length);
        T inverse = T.One / epsilon;
        Span<T> scratch = workspace.Block(inner);
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < inner; k++)
            {
                double c = overColumns ? this[o, k] : this[k, o];
                scratch[k] = h[k] - T.CreateTruncating(c) * inverse;
            }
            result[o] = -epsilon * LogSumExp(scratch);
        }
    }

    /// <summary>Whether Sinkhorn may store exp(-C/eps) for this cost and soft-min by products
    /// (<see cref="GibbsKernel{T}"/>) when it is small enough.</summary>
    internal virtual bool SoftMinFromStoredKernel => true;

    /// <summary>Checks h and result against the axis: returns whether the soft-min runs over
    /// columns, the kept length (outer) and the reduced length (inner).</summary>
    private protected (bool OverColumns, int Outer, int Inner) SoftMinShape(SoftMinAxis axis, int hLength, int resultLength)
    {
        bool overColumns = axis == SoftMinAxis.OverColumns;
        int outer = overColumns ? Rows : Cols, inner = overColumns ? Cols : Rows;
        ThrowHelper.ThrowIfLengthMismatch(hLength, inner, "h", "the reduced axis");
        ThrowHelper.ThrowIfLengthMismatch(resultLength, outer, "result", "the kept axis");
        return (overColumns, outer, inner);
    }

    /// <summary>Writes row o of a soft-min's argument, row_k = h_k - C(o, k) / eps (or C(k, o)
    /// over rows). Implemented by ref structs that hold the spans they read.</summary>
    private protected interface ISoftMinRows<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        void Fill(int o, Span<T> row);
    }

    /// <summary>result_o = -eps LSE_k row_o(k) for o in 0..outer-1: the rows are filled a
    /// block at a time and reduced by <see cref="RowLogSumExp"/> (one exp per block).</summary>
    private protected static void BlockedSoftMin<T, TRows>(TRows rows, int outer, int inner, T epsilon, Span<T> result, SoftMinWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : ISoftMinRows<T>, allows ref struct
    {
        int rowsPerBlock = RowsPerBlock(inner);
        Span<T> block = workspace.Block(rowsPerBlock * inner);
        for (int first = 0; first < outer; first += rowsPerBlock)
        {
            int count = Math.Min(rowsPerBlock, outer - first);
            for (int r = 0; r < count; r++) rows.Fill(first + r, block.Slice(r * inner, inner));
            Span<T> lse = result.Slice(first, count);
            RowLogSumExp(block, inner, lse, workspace);
            TensorPrimitives.Multiply(lse, -epsilon, lse);
        }
    }

    /// <summary>result[r] = log sum exp(block row r) for a row-major block of rows of length
    /// <paramref name="rowLength"/>, each row shifted by its own max, with one vectorised exp
    /// for the whole block (short rows pay per call, not per entry). Rows that are all -inf
    /// give -inf. The block is overwritten.</summary>
    internal static void RowLogSumExp<T>(Span<T> block, int rowLength, Span<T> result, SoftMinWorkspace<T> workspace) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = result.Length;
        T floor = ExpFloor<T>();
        for (int r = 0; r < rows; r++)
        {
            Span<T> row = block.Slice(r * rowLength, rowLength);
            T max = RowMax(row);
            result[r] = max;
            // exp(-inf - (-inf)) would be NaN: an all -inf row keeps result -inf, and its
            // entries become the floor only so that the block's exp stays on the fast path.
            if (!T.IsFinite(max)) row.Fill(floor);
            else ShiftAndClamp(row, max, floor);
        }
        Span<T> used = block[..(rows * rowLength)];
        TensorPrimitives.Exp<T>(used, used);
        // The row sums go through one vectorised log (1 for an all -inf row, whose result stays -inf).
        Span<T> sums = workspace.Sums(rows);
        for (int r = 0; r < rows; r++) sums[r] = T.IsFinite(result[r]) ? RowSum(used.Slice(r * rowLength, rowLength)) : T.One;
        TensorPrimitives.Log<T>(sums, sums);
        for (int r = 0; r < rows; r++) if (T.IsFinite(result[r])) result[r] += sums[r];
    }

    // The per-row steps, inlined with Vector256 and a scalar tail: rows are short (16 points,
    // 28 pixels), where a library call per row costs more than the arithmetic.
    // Inlined into the fused loops; where it is called, never tier-0 code (see ImageGridCost.SoftMin).
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private protected static T RowMax<T>(ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0;
        T max = T.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && row.Length >= Vector256<T>.Count)
        {
            Vector256<T> m = Vector256.Create(T.NegativeInfinity);
            for (; k <= row.Length - Vector256<T>.Count; k += Vector256<T>.Count) m = Vector256.Max(m, Vector256.Create(row.Slice(k, Vector256<T>.Count)));
            for (int lane = 0; lane < Vector256<T>.Count; lane++) max = T.Max(max, m.GetElement(lane));
        }
        for (; k < row.Length; k++) max = T.Max(max, row[k]);
        return max;
    }

    private protected static void ShiftAndClamp<T>(Span<T> row, T shift, T floor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && row.Length >= Vector256<T>.Count)
        {
            Vector256<T> s = Vector256.Create(shift), f = Vector256.Create(floor);
            for (; k <= row.Length - Vector256<T>.Count; k += Vector256<T>.Count)
            {
                Span<T> part = row.Slice(k, Vector256<T>.Count);
                Vector256.Max(Vector256.Create((ReadOnlySpan<T>)part) - s, f).CopyTo(part);
            }
        }
        for (; k < row.Length; k++) row[k] = T.Max(row[k] - shift, floor);
    }

    /// <summary>output = exp(max(input - shift, floor)) in one pass (the shift, the clamp that
    /// keeps exp on its fast path, and the exp); a -inf shift (a row with no input) gives
    /// e^floor everywhere, which the caller's -inf shift then drops. output may be input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loops are never tier-0 code (see ImageGridCost.SoftMin)
    internal static void ShiftedExpRow<T>(ReadOnlySpan<T> input, T shift, T floor, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0, width = Vector256<T>.Count;
        if (T.IsNegativeInfinity(shift)) shift = T.Zero; // a row with no input: its -inf entries clamp to the floor
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            Vector256<T> s = Vector256.Create(shift), f = Vector256.Create(floor), atFloor = VectorMath.ExpInRange(f);
            ref T inRef = ref MemoryMarshal.GetReference(input), outRef = ref MemoryMarshal.GetReference(output);
            // A vector all at the floor (absent inputs: most of a digit's window) takes the
            // floor's exp without computing it.
            for (; k <= input.Length - width; k += width)
            {
                Vector256<T> clamped = Vector256.Max(Vector256.LoadUnsafe(ref inRef, (nuint)k) - s, f);
                (Vector256.EqualsAll(clamped, f) ? atFloor : VectorMath.ExpInRange(clamped)).StoreUnsafe(ref outRef, (nuint)k);
            }
        }
        for (; k < input.Length; k++) output[k] = T.Exp(T.Max(input[k] - shift, floor));
    }

    private static T RowSum<T>(ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0;
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && row.Length >= Vector256<T>.Count)
        {
            Vector256<T> acc = Vector256<T>.Zero;
            for (; k <= row.Length - Vector256<T>.Count; k += Vector256<T>.Count) acc += Vector256.Create(row.Slice(k, Vector256<T>.Count));
            sum = Vector256.Sum(acc);
        }
        for (; k < row.Length; k++) sum += row[k];
        return sum;
    }

    /// <summary>Shifted entries are clamped here before exp. Below it exp gives subnormals or
    /// zero, and inputs such as -inf (absent weights) or -800 send the vectorised exp down a
    /// slow path (measured: 8.5 us instead of 0.48 us for 784 doubles). The row max
    /// contributes exp(0) = 1, and e^-700 (double) or e^-80 (float) times any row length we
    /// handle is far below the last bit of that sum, so the result does not change.</summary>
    internal static T ExpFloor<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(typeof(T) == typeof(float) ? -80.0 : -700.0);

    /// <summary>Rows per block for <see cref="RowLogSumExp"/>: about 2048 entries, large enough
    /// to amortise the calls, small enough to stay in L1.</summary>
    internal static int RowsPerBlock(int rowLength) => Math.Max(1, 2048 / Math.Max(1, rowLength));

    /// <summary>log sum exp(v), shifted by max(v); -inf for an empty or all -inf input.
    /// v is overwritten. Written with library calls, independently of RowLogSumExp, so that
    /// the base class's row path stays a reference for the blocked overrides.</summary>
    internal static T LogSumExp<T>(Span<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (v.IsEmpty) return T.NegativeInfinity;
        T max = TensorPrimitives.Max<T>(v);
        if (!T.IsFinite(max)) return max; // all -inf (absent), or +inf/NaN propagated
        TensorPrimitives.Subtract(v, max, v);
        TensorPrimitives.Max(v, ExpFloor<T>(), v);
        TensorPrimitives.Exp<T>(v, v);
        return max + T.Log(TensorPrimitives.Sum<T>(v));
    }
}
