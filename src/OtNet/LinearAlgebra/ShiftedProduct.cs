// Products with a matrix B that is never formed: its row p is the window
// source[offsets[p] .. offsets[p] + n) of one buffer. This is the im2col matrix of a
// stride-1 convolution read in place (the "implicit GEMM" of cuDNN): when the input is
// zero-padded and the output is kept at the padded input's row stride, im2col's row
// (c, ky, kx) is the padded image shifted by c plane + ky rowStride + kx. The layer then
// does no per-image im2col, col2im or packing; with few channels (the 5-map layers of Deep
// Wasserstein Embedding) those copies cost more than the multiply-adds.
// Tiles are up to 5 rows of the result by 2 vectors (Multiply: broadcast a, load B's window
// rows) or 5 rows by 2 windows (MultiplyTransposed: dot products along the windows). The
// row count of a tile is a type parameter, so each count gets its own unrolled kernel and
// a 1-row or 5-row layer wastes no lanes. Each entry is summed by one thread in one order.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.LinearAlgebra;

namespace OtNet.LinearAlgebra;

/// <summary>The convolutions' implicit im2col: products of weights with shifted windows of a zero-padded image.</summary>
public static class ShiftedProduct
{
    /// <summary>n must be a multiple of this: a whole number of column tiles at every vector width.</summary>
    public const int ColumnMultiple = 32;

    private const int RowBlock = 5;

    /// <summary>c (m x n) = a (m x k) B with B[p, j] = source[offsets[p] + j] and k = offsets.Length.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> c, int m, int n) =>
        Multiply(a, offsets, source, c, m, n, vectorBits: 0);

    /// <summary>c (m x k) = a (m x n) B^T with B[p, j] = source[offsets[p] + j] and k = offsets.Length:
    /// c[i, p] is the dot product of a's row i with the window at offsets[p].</summary>
    public static void MultiplyTransposed(ReadOnlySpan<float> a, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> c, int m, int n) =>
        MultiplyTransposed(a, offsets, source, c, m, n, vectorBits: 0);

    /// <summary>Multiply with vectors of at most vectorBits (512 or 256; 0 for the widest, -1 for
    /// the scalar loops), so the tests can run every width on one machine.</summary>
    internal static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> c, int m, int n, int vectorBits)
    {
        int k = offsets.Length;
        Check(offsets, source, n);
        CheckLength(a.Length, (long)m * k, nameof(a), "m x k");
        CheckLength(c.Length, (long)m * n, nameof(c), "m x n");
        int width = Width(vectorBits);
        for (int i = 0; i < m; i += RowBlock)
        {
            ref float ai = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), i * k);
            ref float ci = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), i * n);
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float s = ref MemoryMarshal.GetReference(source);
            int rows = Math.Min(RowBlock, m - i);
            if (width == 512) Broadcasts<Vector512<float>, Lanes512<float>>(rows, ref ai, ref o, k, ref s, ref ci, n);
            else if (width == 256) Broadcasts<Vector256<float>, Lanes256<float>>(rows, ref ai, ref o, k, ref s, ref ci, n);
            else
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < n; j++)
                    {
                        float sum = 0;
                        for (int p = 0; p < k; p++) sum += a[(i + r) * k + p] * source[offsets[p] + j];
                        c[(i + r) * n + j] = sum;
                    }
        }
    }

    /// <summary>MultiplyTransposed with vectors of at most vectorBits (as Multiply's).</summary>
    internal static void MultiplyTransposed(ReadOnlySpan<float> a, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> c, int m, int n, int vectorBits)
    {
        int k = offsets.Length;
        Check(offsets, source, n);
        CheckLength(a.Length, (long)m * n, nameof(a), "m x n");
        CheckLength(c.Length, (long)m * k, nameof(c), "m x k");
        if (k == 0) return;
        int width = Width(vectorBits);
        for (int i = 0; i < m; i += RowBlock)
        {
            ref float ai = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), i * n);
            ref float ci = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), i * k);
            ref int o = ref MemoryMarshal.GetReference(offsets);
            ref float s = ref MemoryMarshal.GetReference(source);
            int rows = Math.Min(RowBlock, m - i);
            if (width == 512) Dots<Vector512<float>, Lanes512<float>>(rows, ref ai, n, ref o, k, ref s, ref ci);
            else if (width == 256) Dots<Vector256<float>, Lanes256<float>>(rows, ref ai, n, ref o, k, ref s, ref ci);
            else
                for (int r = 0; r < rows; r++)
                    for (int p = 0; p < k; p++)
                    {
                        float sum = 0;
                        for (int j = 0; j < n; j++) sum += a[(i + r) * n + j] * source[offsets[p] + j];
                        c[(i + r) * k + p] = sum;
                    }
        }
    }

    private static int Width(int vectorBits)
    {
        int bits = vectorBits == 0 ? Lanes.WidestVectorBits : vectorBits;
        if (bits == 512 && Vector512.IsHardwareAccelerated) return 512;
        return bits >= 256 && Vector256.IsHardwareAccelerated ? 256 : 0;
    }

    private static void Check(ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n % ColumnMultiple != 0)
            throw new ArgumentException($"n = {n} is not a multiple of {ColumnMultiple}; pad the rows (ShiftedProduct.ColumnMultiple).", nameof(n));
        for (int p = 0; p < offsets.Length; p++)
            if (offsets[p] < 0 || (long)offsets[p] + n > source.Length)
                throw new ArgumentOutOfRangeException(nameof(offsets), offsets[p],
                    $"offsets[{p}] = {offsets[p]}: the window of {n} values starting there leaves the source of {source.Length}.");
    }

    private static void CheckLength(int actual, long expected, string name, string shape)
    {
        if (actual != expected) throw new ArgumentException($"{name} has length {actual} but its shape {shape} needs {expected}.", name);
    }

    private static void Broadcasts<TVector, TLanes>(int rows, ref float a, ref int offsets, int k, ref float source, ref float c, int n)
        where TVector : struct where TLanes : struct, ILanes<TVector, float>
    {
        switch (rows)
        {
            case 1: Broadcasts<TVector, TLanes, Rows1>(ref a, ref offsets, k, ref source, ref c, n); break;
            case 2: Broadcasts<TVector, TLanes, Rows2>(ref a, ref offsets, k, ref source, ref c, n); break;
            case 3: Broadcasts<TVector, TLanes, Rows3>(ref a, ref offsets, k, ref source, ref c, n); break;
            case 4: Broadcasts<TVector, TLanes, Rows4>(ref a, ref offsets, k, ref source, ref c, n); break;
            default: Broadcasts<TVector, TLanes, Rows5>(ref a, ref offsets, k, ref source, ref c, n); break;
        }
    }

    private static void Dots<TVector, TLanes>(int rows, ref float a, int n, ref int offsets, int k, ref float source, ref float c)
        where TVector : struct where TLanes : struct, ILanes<TVector, float>
    {
        switch (rows)
        {
            case 1: Dots<TVector, TLanes, Rows1>(ref a, n, ref offsets, k, ref source, ref c); break;
            case 2: Dots<TVector, TLanes, Rows2>(ref a, n, ref offsets, k, ref source, ref c); break;
            case 3: Dots<TVector, TLanes, Rows3>(ref a, n, ref offsets, k, ref source, ref c); break;
            case 4: Dots<TVector, TLanes, Rows4>(ref a, n, ref offsets, k, ref source, ref c); break;
            default: Dots<TVector, TLanes, Rows5>(ref a, n, ref offsets, k, ref source, ref c); break;
        }
    }

    /// <summary>Rows of c (TRows.Count of them, stride n) = rows of a (stride k) times the
    /// windows; for each pair of vectors of columns, a's entries are broadcast against the
    /// windows' vectors, k times.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Broadcasts<TVector, TLanes, TRows>(ref float a, ref int offsets, int k, ref float source, ref float c, int n)
        where TVector : struct where TLanes : struct, ILanes<TVector, float> where TRows : struct, IRows
    {
        int w = TLanes.Count;
        ref float a1 = ref Unsafe.Add(ref a, TRows.Count > 1 ? k : 0), a2 = ref Unsafe.Add(ref a, TRows.Count > 2 ? 2 * k : 0);
        ref float a3 = ref Unsafe.Add(ref a, TRows.Count > 3 ? 3 * k : 0), a4 = ref Unsafe.Add(ref a, TRows.Count > 4 ? 4 * k : 0);
        for (int j = 0; j < n; j += 2 * w)
        {
            TVector c00 = TLanes.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00;
            ref float window = ref Unsafe.Add(ref source, j);
            for (int p = 0; p < k; p++)
            {
                ref float row = ref Unsafe.Add(ref window, Unsafe.Add(ref offsets, p));
                TVector b0 = TLanes.Load(ref row, 0), b1 = TLanes.Load(ref row, w);
                TVector x = TLanes.Broadcast(Unsafe.Add(ref a, p));
                c00 = TLanes.MultiplyAdd(x, b0, c00);
                c01 = TLanes.MultiplyAdd(x, b1, c01);
                if (TRows.Count > 1)
                {
                    x = TLanes.Broadcast(Unsafe.Add(ref a1, p));
                    c10 = TLanes.MultiplyAdd(x, b0, c10);
                    c11 = TLanes.MultiplyAdd(x, b1, c11);
                }
                if (TRows.Count > 2)
                {
                    x = TLanes.Broadcast(Unsafe.Add(ref a2, p));
                    c20 = TLanes.MultiplyAdd(x, b0, c20);
                    c21 = TLanes.MultiplyAdd(x, b1, c21);
                }
                if (TRows.Count > 3)
                {
                    x = TLanes.Broadcast(Unsafe.Add(ref a3, p));
                    c30 = TLanes.MultiplyAdd(x, b0, c30);
                    c31 = TLanes.MultiplyAdd(x, b1, c31);
                }
                if (TRows.Count > 4)
                {
                    x = TLanes.Broadcast(Unsafe.Add(ref a4, p));
                    c40 = TLanes.MultiplyAdd(x, b0, c40);
                    c41 = TLanes.MultiplyAdd(x, b1, c41);
                }
            }
            ref float target = ref Unsafe.Add(ref c, j);
            TLanes.Store(c00, ref target, 0);
            TLanes.Store(c01, ref target, w);
            if (TRows.Count > 1) { TLanes.Store(c10, ref target, n); TLanes.Store(c11, ref target, n + w); }
            if (TRows.Count > 2) { TLanes.Store(c20, ref target, 2 * n); TLanes.Store(c21, ref target, 2 * n + w); }
            if (TRows.Count > 3) { TLanes.Store(c30, ref target, 3 * n); TLanes.Store(c31, ref target, 3 * n + w); }
            if (TRows.Count > 4) { TLanes.Store(c40, ref target, 4 * n); TLanes.Store(c41, ref target, 4 * n + w); }
        }
    }

    /// <summary>Rows of c (TRows.Count of them, stride k) = dot products of a's rows (stride n)
    /// with the windows, two windows at a time (an odd last window is paired with itself).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Dots<TVector, TLanes, TRows>(ref float a, int n, ref int offsets, int k, ref float source, ref float c)
        where TVector : struct where TLanes : struct, ILanes<TVector, float> where TRows : struct, IRows
    {
        int w = TLanes.Count;
        ref float a1 = ref Unsafe.Add(ref a, TRows.Count > 1 ? n : 0), a2 = ref Unsafe.Add(ref a, TRows.Count > 2 ? 2 * n : 0);
        ref float a3 = ref Unsafe.Add(ref a, TRows.Count > 3 ? 3 * n : 0), a4 = ref Unsafe.Add(ref a, TRows.Count > 4 ? 4 * n : 0);
        for (int p = 0; p < k; p += 2)
        {
            int q = Math.Min(p + 1, k - 1);
            ref float s0 = ref Unsafe.Add(ref source, Unsafe.Add(ref offsets, p)), s1 = ref Unsafe.Add(ref source, Unsafe.Add(ref offsets, q));
            TVector c00 = TLanes.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00;
            for (int j = 0; j < n; j += w)
            {
                TVector b0 = TLanes.Load(ref s0, j), b1 = TLanes.Load(ref s1, j);
                TVector x = TLanes.Load(ref a, j);
                c00 = TLanes.MultiplyAdd(x, b0, c00);
                c01 = TLanes.MultiplyAdd(x, b1, c01);
                if (TRows.Count > 1)
                {
                    x = TLanes.Load(ref a1, j);
                    c10 = TLanes.MultiplyAdd(x, b0, c10);
                    c11 = TLanes.MultiplyAdd(x, b1, c11);
                }
                if (TRows.Count > 2)
                {
                    x = TLanes.Load(ref a2, j);
                    c20 = TLanes.MultiplyAdd(x, b0, c20);
                    c21 = TLanes.MultiplyAdd(x, b1, c21);
                }
                if (TRows.Count > 3)
                {
                    x = TLanes.Load(ref a3, j);
                    c30 = TLanes.MultiplyAdd(x, b0, c30);
                    c31 = TLanes.MultiplyAdd(x, b1, c31);
                }
                if (TRows.Count > 4)
                {
                    x = TLanes.Load(ref a4, j);
                    c40 = TLanes.MultiplyAdd(x, b0, c40);
                    c41 = TLanes.MultiplyAdd(x, b1, c41);
                }
            }
            // q == p for an odd last window: the same sum is stored twice.
            Unsafe.Add(ref c, p) = TLanes.Sum(c00);
            Unsafe.Add(ref c, q) = TLanes.Sum(c01);
            if (TRows.Count > 1) { Unsafe.Add(ref c, k + p) = TLanes.Sum(c10); Unsafe.Add(ref c, k + q) = TLanes.Sum(c11); }
            if (TRows.Count > 2) { Unsafe.Add(ref c, 2 * k + p) = TLanes.Sum(c20); Unsafe.Add(ref c, 2 * k + q) = TLanes.Sum(c21); }
            if (TRows.Count > 3) { Unsafe.Add(ref c, 3 * k + p) = TLanes.Sum(c30); Unsafe.Add(ref c, 3 * k + q) = TLanes.Sum(c31); }
            if (TRows.Count > 4) { Unsafe.Add(ref c, 4 * k + p) = TLanes.Sum(c40); Unsafe.Add(ref c, 4 * k + q) = TLanes.Sum(c41); }
        }
    }

    /// <summary>A tile's row count as a type, so the JIT unrolls one kernel per count.</summary>
    private interface IRows { static abstract int Count { get; } }
    private readonly struct Rows1 : IRows { public static int Count => 1; }
    private readonly struct Rows2 : IRows { public static int Count => 2; }
    private readonly struct Rows3 : IRows { public static int Count => 3; }
    private readonly struct Rows4 : IRows { public static int Count => 4; }
    private readonly struct Rows5 : IRows { public static int Count => 5; }
}
