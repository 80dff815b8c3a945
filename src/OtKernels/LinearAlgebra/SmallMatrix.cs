// C = A B for the small row-major matrices of the grid kernels (28 x 28 for MNIST, 20 x 20
// windows of it), where a library GEMM's packing costs more than the product. A tile of C (3
// rows by 4 vectors, 4 rows by 1-3) is held in registers while entries of A are broadcast
// against the rows of B (the rank-1 update form), so B streams from L1 and C is written
// once; a single row of C (a row vector times B: the soft-mins of stored Gibbs kernels) is its
// own loop, Row. The vectors are the widest the hardware accelerates: AVX-512 ran the MNIST
// blurs 1.4-1.8x faster than AVX2.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OtKernels.LinearAlgebra;

internal static class SmallMatrix
{
    /// <summary>c (m x n) = a (m x k) times b (k x n), all row-major and dense.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T> => Multiply(a, k, b, n, c, m, k, n);

    /// <summary>The widest vectors this hardware accelerates: 512 bits where AVX-512 is there
    /// (twice the FMA work per instruction on cores with full-width units), else 256.</summary>
    internal static int WidestVectorBits => Lanes.WidestVectorBits;

    /// <summary>c (m x n, dense) = a b for submatrices: row i of a starts at i lda, row p of b
    /// at p ldb (a block of a larger row-major matrix, without copying it out). The vectors are
    /// the widest the hardware accelerates, or at most vectorBits (256 or 512) bits, so that
    /// tests can run every width on one machine.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called per grid pass: never tier-0 code
    public static void Multiply<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n, int vectorBits = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (lda < k || a.Length < (m - 1) * lda + k) throw new ArgumentException($"a holds {a.Length} values; {m} rows of {k} at stride {lda} need {(m - 1) * lda + k}.", nameof(a));
        if (ldb < n || b.Length < (k - 1) * ldb + n) throw new ArgumentException($"b holds {b.Length} values; {k} rows of {n} at stride {ldb} need {(k - 1) * ldb + n}.", nameof(b));
        ThrowHelper.ThrowIfLengthMismatch(c.Length, m * n, nameof(c), "m * n");
        int bits = vectorBits == 0 ? WidestVectorBits : vectorBits;
        // One row takes Row: the tiles hold 2-4 rows and would compute it 2-4 times.
        if (bits == 512 && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= Vector512<T>.Count)
        {
            if (m == 1) Row<Vector512<T>, Lanes512<T>, T>(a[..k], b, ldb, c, k, n);
            else Tiles<Vector512<T>, Lanes512<T>, T>(a, lda, b, ldb, c, m, k, n);
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            if (m == 1) Row<Vector256<T>, Lanes256<T>, T>(a[..k], b, ldb, c, k, n);
            else Tiles<Vector256<T>, Lanes256<T>, T>(a, lda, b, ldb, c, m, k, n);
        }
        else
            MultiplyScalar(a, lda, b, ldb, c, m, k, n);
    }

    /// <summary>c (n) = x (k) times b (k x n, row p at p ldb): one row of a product. Four
    /// vectors of c share each broadcast of x, in four independent FMA chains, then one vector
    /// at a time, then a last vector ending at n (overlapping the one before it, as the tiles'
    /// last group does), or scalar fused multiply-adds when n is under one vector; every output
    /// sums its products in the order p = 0..k-1, with fused multiply-adds, as the tiles do. No
    /// checks: Multiply has made them, and GibbsKernel.Fused calls it on the 16-element spans of
    /// batched point clouds, where checks cost more than the arithmetic.</summary>
    // Four chains rather than one chain per vector at a time, which waited on the FMA's latency:
    // 16-point clouds, one thread, 17.0-21.4k pairs/s before, 20.2-23.7k after (alternating).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row<TVector, TLanes, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> b, int ldb, Span<T> c, int k, int n)
        where TVector : struct where TLanes : struct, ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TLanes.Count, o = 0;
        ref T xRef = ref MemoryMarshal.GetReference(x), bRef = ref MemoryMarshal.GetReference(b), cRef = ref MemoryMarshal.GetReference(c);
        for (; o <= n - 4 * width; o += 4 * width)
        {
            TVector sum0 = TLanes.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
            ref T row = ref Unsafe.Add(ref bRef, o);
            for (int p = 0; p < k; p++)
            {
                TVector v = TLanes.Broadcast(Unsafe.Add(ref xRef, p));
                sum0 = TLanes.MultiplyAdd(TLanes.Load(ref row, 0), v, sum0);
                sum1 = TLanes.MultiplyAdd(TLanes.Load(ref row, width), v, sum1);
                sum2 = TLanes.MultiplyAdd(TLanes.Load(ref row, 2 * width), v, sum2);
                sum3 = TLanes.MultiplyAdd(TLanes.Load(ref row, 3 * width), v, sum3);
                row = ref Unsafe.Add(ref row, ldb);
            }
            TLanes.Store(sum0, ref cRef, o);
            TLanes.Store(sum1, ref cRef, o + width);
            TLanes.Store(sum2, ref cRef, o + 2 * width);
            TLanes.Store(sum3, ref cRef, o + 3 * width);
        }
        if (n < width)
        {
            for (; o < n; o++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++) sum = T.FusedMultiplyAdd(b[p * ldb + o], x[p], sum);
                c[o] = sum;
            }
            return;
        }
        for (; o < n; o += width)
        {
            o = Math.Min(o, n - width);
            TVector sum = TLanes.Zero;
            ref T row = ref Unsafe.Add(ref bRef, o);
            for (int p = 0; p < k; p++)
            {
                sum = TLanes.MultiplyAdd(TLanes.Load(ref row, 0), TLanes.Broadcast(Unsafe.Add(ref xRef, p)), sum);
                row = ref Unsafe.Add(ref row, ldb);
            }
            TLanes.Store(sum, ref cRef, o);
        }
    }

    // One kernel for both widths and every tile shape: the JIT specialises it per lane struct
    // and tile struct, so TLanes' calls are inlined vector instructions and the accumulators
    // a smaller tile leaves unused drop out.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loops are never tier-0 code (see ImageGridCost.SoftMin)
    private static void Tiles<TVector, TLanes, T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n)
        where TVector : struct where TLanes : struct, ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TLanes.Count;
        int vectors = (n + width - 1) / width;
        // Columns go in groups of 3 or 4 vectors where they can (the fastest tiles), the rest
        // as 2 or 1: 7 vectors (28 doubles) as 4 + 3, 5 as 3 + 2, 6 as 3 + 3. The last group
        // ends at n, overlapping the one before it when n is not a multiple of the width
        // (recomputing a few columns beats a scalar tail). Four vectors that are not four
        // whole ones (13-15 doubles) go as 2 + 2, not 3 + 1: a lone vector's tile has 4
        // accumulators, too few to cover the FMA's latency (a 20 x 14 box's four blur products,
        // one core: 2.2-2.7 us as 3 + 1, 2.0 as 2 + 2).
        for (int v = 0; v < vectors;)
        {
            int left = vectors - v;
            int group = Math.Min(left is 3 or 5 or 6 ? 3 : Math.Min(left, 4), n / width);
            if (left == 4 && group == 3) group = 2;
            int start = Math.Min(v * width, n - group * width);
            switch (group)
            {
                case 4:
                    // Rows in threes, the last one or two threes' worth as 2-row tiles, so that no
                    // row is computed twice (20 rows: 6 x 3 + 2; 28: 8 x 3 + 2 x 2).
                    int threes = m % 3 == 1 && m >= 4 ? m - 4 : m - m % 3;
                    Group<TVector, TLanes, T, FourByThree>(a, lda, b, ldb, c, 0, threes, k, n, start);
                    Group<TVector, TLanes, T, FourByTwo>(a, lda, b, ldb, c, threes, m, k, n, start);
                    break;
                case 3: Group<TVector, TLanes, T, ThreeByFour>(a, lda, b, ldb, c, 0, m, k, n, start); break;
                case 2: Group<TVector, TLanes, T, TwoByFour>(a, lda, b, ldb, c, 0, m, k, n, start); break;
                default: Group<TVector, TLanes, T, OneByFour>(a, lda, b, ldb, c, 0, m, k, n, start); break;
            }
            v += group;
        }
    }

    /// <summary>Rows first..last of c, columns start..start + TTile.Vectors * width, TTile.Rows
    /// rows at a time: the tile's accumulators stay in registers while entries of a are broadcast
    /// against the rows of b (the rank-1 update form), so b streams from L1 and c is written
    /// once.</summary>
    // Tiles of 12 accumulators (3 rows x 4 vectors, 4 x 3) keep both FMA pipes busy through
    // the FMA's latency with room to spare, where the 2-row tiles before them had 8 at most
    // and 2 for a single vector. On AVX2 (16 registers), one core, best of 200 runs
    // interleaved with the old kernel: 20 x 28 x 20 went from 16.6 to 22.0 G FMA/s, 20 x 28 x 8
    // from 14.3 to 21.1, 28 x 28 x 28 from 20.0 to 20.6, against 25.4 at peak; the blurs of a
    // 1,000-digit barycenter iteration from 2.79 to 2.58 ms. A 3-row tile broadcasts its rows
    // first and loads b one vector at a time (3 + 1 + 12 registers); a 4-row tile loads its
    // 1-3 vectors of b first and broadcasts one row at a time (3 + 1 + 12).
    // Compiled fully optimised at first call, outside tiering: under tiered PGO the JIT inlined
    // this kernel into its callers and ran out of budget there, leaving the vector steps as
    // calls (the convolutional barycenter: 4.96 ms per iteration untiered, 12.9 tiered).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Group<TVector, TLanes, T, TTile>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int first, int last, int k, int n, int start)
        where TVector : struct where TLanes : struct, ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T> where TTile : struct, ITile
    {
        int width = TLanes.Count;
        ref T aStart = ref MemoryMarshal.GetReference(a), cStart = ref MemoryMarshal.GetReference(c), bStart = ref MemoryMarshal.GetReference(b);
        for (int i = first; i < last; i += TTile.Rows)
        {
            // A last tile that runs past last repeats row last - 1 (same values, stored twice).
            int i1 = Math.Min(i + 1, last - 1), i2 = Math.Min(i + 2, last - 1), i3 = Math.Min(i + 3, last - 1);
            ref T a0 = ref Unsafe.Add(ref aStart, i * lda), a1 = ref Unsafe.Add(ref aStart, i1 * lda);
            ref T a2 = ref Unsafe.Add(ref aStart, i2 * lda), a3 = ref Unsafe.Add(ref aStart, i3 * lda);
            TVector c00 = TLanes.Zero, c01 = c00, c02 = c00, c03 = c00;
            TVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            TVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            TVector c30 = c00, c31 = c00, c32 = c00;
            ref T bRow = ref Unsafe.Add(ref bStart, start);
            for (int p = 0; p < k; p++)
            {
                if (TTile.Vectors == 4)
                {
                    // 2 or 3 rows: their broadcasts stay, b comes one vector at a time.
                    TVector x0 = TLanes.Broadcast(Unsafe.Add(ref a0, p)), x1 = TLanes.Broadcast(Unsafe.Add(ref a1, p));
                    TVector x2 = TTile.Rows > 2 ? TLanes.Broadcast(Unsafe.Add(ref a2, p)) : x0;
                    TVector bv = TLanes.Load(ref bRow, 0);
                    c00 = TLanes.MultiplyAdd(x0, bv, c00); c10 = TLanes.MultiplyAdd(x1, bv, c10);
                    if (TTile.Rows > 2) c20 = TLanes.MultiplyAdd(x2, bv, c20);
                    bv = TLanes.Load(ref bRow, width);
                    c01 = TLanes.MultiplyAdd(x0, bv, c01); c11 = TLanes.MultiplyAdd(x1, bv, c11);
                    if (TTile.Rows > 2) c21 = TLanes.MultiplyAdd(x2, bv, c21);
                    bv = TLanes.Load(ref bRow, 2 * width);
                    c02 = TLanes.MultiplyAdd(x0, bv, c02); c12 = TLanes.MultiplyAdd(x1, bv, c12);
                    if (TTile.Rows > 2) c22 = TLanes.MultiplyAdd(x2, bv, c22);
                    bv = TLanes.Load(ref bRow, 3 * width);
                    c03 = TLanes.MultiplyAdd(x0, bv, c03); c13 = TLanes.MultiplyAdd(x1, bv, c13);
                    if (TTile.Rows > 2) c23 = TLanes.MultiplyAdd(x2, bv, c23);
                }
                else
                {
                    // 4 rows: b's 1-3 vectors stay, the rows come one broadcast at a time.
                    TVector b0 = TLanes.Load(ref bRow, 0);
                    TVector b1 = TTile.Vectors > 1 ? TLanes.Load(ref bRow, width) : b0;
                    TVector b2 = TTile.Vectors > 2 ? TLanes.Load(ref bRow, 2 * width) : b0;
                    TVector x = TLanes.Broadcast(Unsafe.Add(ref a0, p));
                    c00 = TLanes.MultiplyAdd(x, b0, c00);
                    if (TTile.Vectors > 1) c01 = TLanes.MultiplyAdd(x, b1, c01);
                    if (TTile.Vectors > 2) c02 = TLanes.MultiplyAdd(x, b2, c02);
                    x = TLanes.Broadcast(Unsafe.Add(ref a1, p));
                    c10 = TLanes.MultiplyAdd(x, b0, c10);
                    if (TTile.Vectors > 1) c11 = TLanes.MultiplyAdd(x, b1, c11);
                    if (TTile.Vectors > 2) c12 = TLanes.MultiplyAdd(x, b2, c12);
                    x = TLanes.Broadcast(Unsafe.Add(ref a2, p));
                    c20 = TLanes.MultiplyAdd(x, b0, c20);
                    if (TTile.Vectors > 1) c21 = TLanes.MultiplyAdd(x, b1, c21);
                    if (TTile.Vectors > 2) c22 = TLanes.MultiplyAdd(x, b2, c22);
                    x = TLanes.Broadcast(Unsafe.Add(ref a3, p));
                    c30 = TLanes.MultiplyAdd(x, b0, c30);
                    if (TTile.Vectors > 1) c31 = TLanes.MultiplyAdd(x, b1, c31);
                    if (TTile.Vectors > 2) c32 = TLanes.MultiplyAdd(x, b2, c32);
                }
                bRow = ref Unsafe.Add(ref bRow, ldb);
            }
            if (TTile.Rows > 3) StoreRow<TVector, TLanes, T, TTile>(ref Unsafe.Add(ref cStart, i3 * n + start), width, c30, c31, c32, default); // 4-row tiles have at most 3 vectors
            if (TTile.Rows > 2) StoreRow<TVector, TLanes, T, TTile>(ref Unsafe.Add(ref cStart, i2 * n + start), width, c20, c21, c22, c23);
            StoreRow<TVector, TLanes, T, TTile>(ref Unsafe.Add(ref cStart, i1 * n + start), width, c10, c11, c12, c13);
            StoreRow<TVector, TLanes, T, TTile>(ref Unsafe.Add(ref cStart, i * n + start), width, c00, c01, c02, c03);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVector, TLanes, T, TTile>(ref T row, int width, TVector v0, TVector v1, TVector v2, TVector v3)
        where TVector : struct where TLanes : struct, ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T> where TTile : struct, ITile
    {
        TLanes.Store(v0, ref row, 0);
        if (TTile.Vectors > 1) TLanes.Store(v1, ref row, width);
        if (TTile.Vectors > 2) TLanes.Store(v2, ref row, 2 * width);
        if (TTile.Vectors > 3) TLanes.Store(v3, ref row, 3 * width);
    }

    /// <summary>A tile of c: Rows rows by Vectors vectors, Rows * Vectors accumulators.</summary>
    private interface ITile
    {
        static abstract int Vectors { get; }
        static abstract int Rows { get; }
    }

    private readonly struct FourByThree : ITile
    {
        public static int Vectors => 4;
        public static int Rows => 3;
    }

    private readonly struct FourByTwo : ITile
    {
        public static int Vectors => 4;
        public static int Rows => 2;
    }

    private readonly struct ThreeByFour : ITile
    {
        public static int Vectors => 3;
        public static int Rows => 4;
    }

    private readonly struct TwoByFour : ITile
    {
        public static int Vectors => 2;
        public static int Rows => 4;
    }

    private readonly struct OneByFour : ITile
    {
        public static int Vectors => 1;
        public static int Rows => 4;
    }

    private static void MultiplyScalar<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++) sum += a[i * lda + p] * b[p * ldb + j];
                c[i * n + j] = sum;
            }
    }
}
