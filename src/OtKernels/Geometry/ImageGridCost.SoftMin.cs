// The soft-min on an image grid in two 1D passes. The squared Euclidean cost splits into
// a row part and a column part, exp(-C/eps) = exp(-dr^2 s^2/eps) exp(-dc^2 s^2/eps), so
//     LSE_(rj,cj) [h(rj,cj) - C/eps] = LSE_rj [ LSE_cj [h(rj,cj) - dc^2 s^2/eps] - dr^2 s^2/eps ],
// O(n (h + w)) instead of O(n^2) (Solomon et al. 2015, "Convolutional Wasserstein
// distances"). Each pass runs as a convolution in the linear domain, shifted to stay in
// range (the stabilised kernel form of Schmitzer 2019, section 3, applied per grid line):
//     LSE_j (h_j - pen(o - j)) = M + log sum_j K(o, j) exp(h_j - M),  M = max_j h_j,
// with K(o, j) = exp(-pen(o - j)) a small Gaussian matrix made once per eps. A pass is
// then one small matrix product instead of one exp per entry: 28 x 28 MNIST costs 2 x 28^3
// multiply-adds and 2 x 784 exps per soft-min instead of 2 x 28^3 exps.
// The common case needs no log between the passes (TryShiftedConvolution): pass 1 is shifted
// by each grid row's max, and pass 2 reweights the rows by e^(M_r - M) inside its product.
// The shift keeps the largest exp(h_j - M) at 1, but an output far from every heavy input
// can still have a sum below the format's range (K down to e^-500 at eps = 1e-3 of the
// MNIST diameter). Such outputs, found by their sum falling under TinySum, are recomputed
// exactly by a max-shifted log-sum-exp, so the result is the log-domain one everywhere.
// The cost is symmetric, so both axes are the same operation.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.LinearAlgebra;

namespace OtKernels.Geometry;

public sealed partial class ImageGridCost
{
    // The factors of the last eps values used, newest first: epsilon scaling runs the same
    // dozen or so stages for every problem of a batch (GridWindowCost starts them all from
    // the grid's scale), and one cached eps made every problem rebuild each stage's factors.
    // The array is immutable and replaced whole, so threads share it; a race only builds the
    // same factors twice or drops one from the cache.
    private volatile object[] _gaussianFactors = [];
    private const int CachedFactors = 32;

    /// <summary>The separable passes already work from the 1D kernels.</summary>
    internal override bool SoftMinFromStoredKernel => false;

    /// <inheritdoc/>
    // This soft-min, its passes and the loops they call are compiled fully optimised at their
    // first call, and call no TensorPrimitives in the common case: under .NET's default tiered
    // compilation a short job otherwise runs them as tier-0 code until the tiering delay has
    // passed (10 MNIST pairs: 7.3-8.1 ms per pair tiered against about 1 ms; now 1.0-2.0).
    // Long jobs are unchanged (docs/PERFORMANCE.md, "Under .NET's default tiered compilation").
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result, SoftMinWorkspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        SoftMinShape(axis, h.Length, result.Length); // both axes have the grid's pixel count
        var whole = new GridWindow(0, 0, Height, Width);
        WindowSoftMin(epsilon, h, whole, result, whole, workspace);
    }

    /// <summary>The soft-min from the pixels of one window of the grid to those of another:
    ///     result(o) = -eps LSE_(j in from) (h(j) - C(o, j)/eps)   for o in to,
    /// h and result compact, row-major in their windows. The solvers crop each measure to the
    /// rectangle around its mass (GridWindowCost): inputs outside it are -inf, and outputs
    /// outside it are not needed until the end, so a 20 x 20 digit on the 28 x 28 grid costs
    /// 2 x 20^3 multiply-adds per pass instead of 2 x 28^3.</summary>
    /// <remarks>Where <paramref name="needed"/> is given (one flag per output), a vector of outputs
    /// none of which is needed may be left at 0 instead of its soft-min (no log taken): the
    /// solver's outputs of zero weight, which it fills afterwards.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void WindowSoftMin<T>(T epsilon, ReadOnlySpan<T> h, GridWindow from, Span<T> result, GridWindow to, SoftMinWorkspace<T> workspace,
        ReadOnlySpan<bool> needed = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GaussianFactors<T> factors = FactorsFor(epsilon);
        if (TryShiftedConvolution(epsilon, h, from, factors, result, to, workspace, needed)) return;
        // Pass 1 reduces along each grid row of the input window and writes partial[ci, rj]
        // (transposed), so that pass 2 reduces along contiguous columns and writes
        // result[ri, ci] in row-major order.
        Span<T> partial = workspace.Partial(to.Width * from.Height);
        GaussianPass(h, from.Height, from.Width, from.Left, to.Width, to.Left, Width, factors.ColumnKernel, factors, partial, workspace);
        GaussianPass(partial, to.Width, from.Height, from.Top, to.Height, to.Top, Height, factors.RowKernel, factors, result, workspace);
        TensorPrimitives.Multiply(result, -epsilon, result);
    }

    /// <summary>The common case in one shift per grid row and no log in between: with M_r the
    /// max of input row r of h and M the max of all,
    ///     LSE = M + log sum_r Kh(ri, r) e^(M_r - M) S(r, ci),  S(r, ci) = sum_cj exp(h(r, cj) - M_r) Kw(cj, ci),
    /// two matrix products (with the windows' blocks of the 1D kernels) and one exp and log per
    /// pixel, each fused into one pass with the steps around it (the shift and clamp; the
    /// underflow check and the row weight; the log, M and -eps). Writes -eps LSE and returns
    /// true, or returns false having written nothing when some S fell under
    /// <see cref="TinySum"/> (rows too far from their own mass to represent); outputs whose
    /// final sum is tiny are recomputed exactly from log S.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryShiftedConvolution<T>(T epsilon, ReadOnlySpan<T> h, GridWindow from, GaussianFactors<T> factors, Span<T> result, GridWindow to,
        SoftMinWorkspace<T> workspace, ReadOnlySpan<bool> needed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = from.Height, outWidth = to.Width;
        T tiny = TinySum<T>();
        Span<T> exps = workspace.Block(Math.Max(from.Count, rows * outWidth));
        Span<T> rowSums = workspace.Sums(rows * outWidth);
        Span<T> rowData = workspace.Lines(3 * rows);
        Span<T> rowMax = rowData[..rows], rowWeight = rowData[rows..(2 * rows)], exact = rowData[(2 * rows)..];
        ShiftedExps(h, rows, from.Width, rowMax, exps);
        T max = RowMax<T>(rowMax);
        if (T.IsNegativeInfinity(max))
        {
            result.Fill(T.PositiveInfinity); // every input absent: -eps log 0
            return true;
        }
        // Kw is symmetric, so the block Kw[from columns, to columns] starts at row from.Left.
        SmallMatrix.Multiply<T>(exps[..from.Count], from.Width, factors.ColumnKernel.AsSpan(from.Left * Width + to.Left), Width, rowSums, rows, from.Width, outWidth);
        // e^(M_r - M), from the exp floor up: a blank row's weight (e^floor) times its sums (at
        // most e^floor too) is 0, and a row raised to the floor changes no sum above TinySum.
        ShiftedExpRow<T>(rowMax, max, ExpFloor<T>(), rowWeight);
        Span<T> weighted = exps[..(rows * outWidth)]; // the exps are spent
        for (int r = 0; r < rows; r++)
        {
            bool blank = T.IsNegativeInfinity(rowMax[r]);
            if (WeighRow(rowSums.Slice(r * outWidth, outWidth), rowWeight[r], blank ? T.Zero : tiny, weighted.Slice(r * outWidth, outWidth))) return false;
        }
        SmallMatrix.Multiply<T>(factors.RowKernel.AsSpan(to.Top * Height + from.Top), Height, weighted, outWidth, result, to.Height, rows, outWidth);
        if (!AnyBelow(result, tiny))
        {
            LogShiftScale(result, max, -epsilon, needed);
            return true;
        }
        T logTiny = T.Log(tiny);
        TensorPrimitives.Log<T>(result, result);
        for (int k = 0; k < result.Length; k++)
        {
            if (!(result[k] < logTiny)) continue;
            int ri = k / outWidth, ci = k % outWidth;
            ReadOnlySpan<T> penalties = factors.Penalties(to.Top + ri, from.Top, rows);
            for (int r = 0; r < rows; r++) exact[r] = rowMax[r] + T.Log(rowSums[r * outWidth + ci]) - penalties[r];
            result[k] = LogSumExp(exact) - max;
        }
        TensorPrimitives.Add(result, max, result);
        TensorPrimitives.Multiply(result, -epsilon, result);
        return true;
    }

    /// <summary>weighted = weight sums, in one pass with the check that no sum is below tiny
    /// (returns true if one is, the shifted product's failure).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loops are never tier-0 code (see ImageGridCost.SoftMin)
    private static bool WeighRow<T>(ReadOnlySpan<T> sums, T weight, T tiny, Span<T> weighted) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0, width = Vector256<T>.Count;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && sums.Length >= width)
        {
            Vector256<T> w = Vector256.Create(weight), t = Vector256.Create(tiny), below = Vector256<T>.Zero;
            ref T sRef = ref MemoryMarshal.GetReference(sums), wRef = ref MemoryMarshal.GetReference(weighted);
            for (; k <= sums.Length - width; k += width)
            {
                Vector256<T> s = Vector256.LoadUnsafe(ref sRef, (nuint)k);
                below |= Vector256.LessThan(s, t);
                (s * w).StoreUnsafe(ref wRef, (nuint)k);
            }
            if (below != Vector256<T>.Zero) return true;
        }
        for (; k < sums.Length; k++)
        {
            if (sums[k] < tiny) return true;
            weighted[k] = sums[k] * weight;
        }
        return false;
    }

    /// <summary>values = (log values + shift) scale, in one pass; 0 for a vector of values none
    /// of which is needed (when flags are given).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loops are never tier-0 code (see ImageGridCost.SoftMin)
    private static void LogShiftScale<T>(Span<T> values, T shift, T scale, ReadOnlySpan<bool> needed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0, width = Vector256<T>.Count;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && values.Length >= width)
        {
            Vector256<T> s = Vector256.Create(shift), c = Vector256.Create(scale);
            ref T vRef = ref MemoryMarshal.GetReference(values);
            ref byte flags = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetReference(needed));
            bool flagged = !needed.IsEmpty;
            for (; k <= values.Length - width; k += width)
            {
                // The vector's flags read as one integer (4 or 8 bytes): zero when none is needed.
                if (flagged && (width == 4 ? Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref flags, k)) : Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref flags, k))) == 0)
                    Vector256<T>.Zero.StoreUnsafe(ref vRef, (nuint)k);
                else ((VectorMath.LogOfNormal(Vector256.LoadUnsafe(ref vRef, (nuint)k)) + s) * c).StoreUnsafe(ref vRef, (nuint)k);
            }
        }
        for (; k < values.Length; k++) values[k] = (T.Log(values[k]) + shift) * scale;
    }

    /// <summary>output[o, line] = LSE_j (input[line, j] - pen(outStart + o - inStart - j)) for
    /// each of the lines of <paramref name="length"/> inputs (from grid position inStart) and
    /// <paramref name="outLength"/> outputs (from outStart), along an axis of
    /// <paramref name="side"/> pixels: shift each line by its max, one exp for all lines, one
    /// product with the block of the Gaussian matrix, one log, and an exact log-sum-exp where a
    /// sum fell under <see cref="TinySum"/>. A line that is all -inf gives -inf.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GaussianPass<T>(ReadOnlySpan<T> input, int lines, int length, int inStart, int outLength, int outStart, int side, T[] kernel,
        GaussianFactors<T> factors, Span<T> output, SoftMinWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T tiny = TinySum<T>();
        Span<T> block = workspace.Block(lines * Math.Max(length, outLength));
        Span<T> scaled = block[..(lines * length)], logs = block[..(lines * outLength)]; // the exponentials are spent before the logs
        Span<T> sums = workspace.Sums(lines * outLength);
        Span<T> lineData = workspace.Lines(lines + length);
        Span<T> shift = lineData[..lines], exact = lineData[lines..];
        ShiftedExps(input, lines, length, shift, scaled);
        SmallMatrix.Multiply<T>(scaled, length, kernel.AsSpan(inStart * side + outStart), side, sums, lines, length, outLength); // K symmetric
        TensorPrimitives.Log<T>(sums, logs);
        for (int line = 0; line < lines; line++)
        {
            T lineShift = shift[line];
            ReadOnlySpan<T> sumLine = sums.Slice(line * outLength, outLength), logLine = logs.Slice(line * outLength, outLength);
            for (int o = 0; o < outLength; o++) output[o * lines + line] = lineShift + logLine[o];
            if (T.IsNegativeInfinity(lineShift) || !AnyBelow(sumLine, tiny)) continue;
            for (int o = 0; o < outLength; o++)
            {
                if (sumLine[o] >= tiny) continue;
                TensorPrimitives.Subtract(input.Slice(line * length, length), factors.Penalties(outStart + o, inStart, length), exact[..length]);
                output[o * lines + line] = LogSumExp(exact[..length]);
            }
        }
    }

    /// <summary>shift[line] = max of the line, exps = exp(input - shift) clamped at the exp
    /// floor, per line in one pass. An all -inf line gets shift -inf and floor-sized exps,
    /// which the callers' -inf shift then drops exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShiftedExps<T>(ReadOnlySpan<T> input, int lines, int length, Span<T> shift, Span<T> exps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T floor = ExpFloor<T>();
        for (int line = 0; line < lines; line++)
        {
            ReadOnlySpan<T> inputLine = input.Slice(line * length, length);
            shift[line] = RowMax(inputLine);
            ShiftedExpRow(inputLine, shift[line], floor, exps.Slice(line * length, length));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loops are never tier-0 code (see ImageGridCost.SoftMin)
    private static bool AnyBelow<T>(ReadOnlySpan<T> values, T threshold) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && values.Length >= Vector256<T>.Count)
        {
            var t = Vector256.Create(threshold);
            for (; k <= values.Length - Vector256<T>.Count; k += Vector256<T>.Count)
                if (Vector256.LessThanAny(Vector256.Create(values.Slice(k, Vector256<T>.Count)), t)) return true;
        }
        for (; k < values.Length; k++) if (values[k] < threshold) return true;
        return false;
    }

    /// <summary>A sum of shifted exponentials (times kernel entries at most 1) below this is
    /// recomputed by an exact log-sum-exp. Above it, the terms lost to underflow (under
    /// 2.2e-308 in double, 1.2e-38 in float) and the inputs raised to the exp floor (e^-700,
    /// e^-80) change the sum by at most L 1e-24 (double) or L 2e-15 (float) relative for L
    /// terms: under the last bit of the result.</summary>
    private static T TinySum<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(typeof(T) == typeof(float) ? 1e-20 : 1e-280);

    /// <summary>The 1D Gibbs factors exp(-(r - s)^2 spacing^2 / eps), height x height and
    /// width x width, whose Kronecker product is the grid's kernel (cached per eps; the
    /// convolutional barycenters blur with them).</summary>
    internal (double[] Rows, double[] Columns) GibbsFactors(double epsilon)
    {
        GaussianFactors<double> factors = FactorsFor(epsilon);
        return (factors.RowKernel, factors.ColumnKernel);
    }

    private GaussianFactors<T> FactorsFor<T>(T epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        object[] cache = _gaussianFactors;
        foreach (object entry in cache)
            if (entry is GaussianFactors<T> cached && cached.Epsilon == epsilon) return cached;
        var made = new GaussianFactors<T>(epsilon, Height, Width, Spacing);
        _gaussianFactors = [made, .. cache.AsSpan(0, Math.Min(cache.Length, CachedFactors - 1))];
        return made;
    }

    /// <summary>The 1D factors of exp(-C/eps) on this grid: the penalties (k s)^2/eps and the
    /// Gaussian matrices K(o, j) = exp(-pen(o - j)) along each axis.</summary>
    private sealed class GaussianFactors<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // mirrored[longest - 1 + k] = (k s)^2 / eps for k in -(longest-1)..(longest-1): the
        // penalties from output o to inputs 0..len-1 are one contiguous slice.
        private readonly T[] _mirrored;
        private readonly int _longest;

        public GaussianFactors(T epsilon, int height, int width, double spacing)
        {
            Epsilon = epsilon;
            _longest = Math.Max(height, width);
            T scale = T.CreateTruncating(spacing * spacing) / epsilon;
            _mirrored = new T[2 * _longest - 1];
            for (int k = 0; k < _mirrored.Length; k++)
            {
                int d = k - (_longest - 1);
                _mirrored[k] = T.CreateTruncating(d * d) * scale;
            }
            RowKernel = Gaussian(height);
            ColumnKernel = width == height ? RowKernel : Gaussian(width);
        }

        public T Epsilon { get; }

        /// <summary>height x height, along the grid's columns (between rows).</summary>
        public T[] RowKernel { get; }

        /// <summary>width x width, along the grid's rows (between columns).</summary>
        public T[] ColumnKernel { get; }

        /// <summary>pen(o - j) for j in start..start+length-1 (grid positions).</summary>
        public ReadOnlySpan<T> Penalties(int o, int start, int length) => _mirrored.AsSpan(_longest - 1 - o + start, length);

        /// <summary>K(o, j) = exp(-pen(o - j)): the matrix is Toeplitz, so its rows are slices of
        /// the 2 length - 1 distinct values.</summary>
        private T[] Gaussian(int length)
        {
            var values = new T[_mirrored.Length];
            for (int k = 0; k < values.Length; k++) values[k] = T.Exp(-_mirrored[k]);
            var kernel = new T[length * length];
            for (int o = 0; o < length; o++) values.AsSpan(_longest - 1 - o, length).CopyTo(kernel.AsSpan(o * length, length));
            return kernel;
        }
    }
}
