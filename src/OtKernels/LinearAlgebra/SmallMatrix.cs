// C = A B for the small row-major matrices of the grid kernels (28 x 28 for MNIST), where a
// library GEMM's packing costs more than the product. A 2 x 4-vector tile of C is held in
// registers while entries of A are broadcast against the rows of B (the rank-1 update
// form), so B streams from L1 and C is written once. The vectors are the widest the
// hardware accelerates: AVX-512 ran the MNIST blurs 1.4-1.8x faster than AVX2. A width
// that is not a multiple of the vector ends with a vector overlapping the one before it
// (recomputing a few columns beats a scalar tail over all of k).
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
        where T : unmanaged, IFloatingPointIeee754<T> => Multiply(a, [], b, c, m, k, n);

    /// <summary>c = a diag(s) b: the inner index p of a's columns and b's rows weighted by s[p]
    /// (no weighting when s is empty). Rescales b's rows for free.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> s, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T> => Multiply(a, k, s, b, n, c, m, k, n);

    /// <summary>c (m x n, dense) = a b for submatrices: row i of a starts at i lda, row p of b
    /// at p ldb (a block of a larger row-major matrix, without copying it out).</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T> => Multiply(a, lda, [], b, ldb, c, m, k, n);

    /// <summary>The widest vectors this hardware accelerates: 512 bits where AVX-512 is there
    /// (twice the FMA work per instruction on cores with full-width units), else 256.</summary>
    internal static int WidestVectorBits => Lanes.WidestVectorBits;

    /// <summary>The blocked product with vectors of at most vectorBits (256 or 512) bits; the
    /// public overloads take the widest. Internal so tests can run every width on one machine.</summary>
    internal static void Multiply<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> s, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n,
        int vectorBits = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!s.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(s.Length, k, nameof(s), "k");
        if (lda < k || a.Length < (m - 1) * lda + k) throw new ArgumentException($"a holds {a.Length} values; {m} rows of {k} at stride {lda} need {(m - 1) * lda + k}.", nameof(a));
        if (ldb < n || b.Length < (k - 1) * ldb + n) throw new ArgumentException($"b holds {b.Length} values; {k} rows of {n} at stride {ldb} need {(k - 1) * ldb + n}.", nameof(b));
        ThrowHelper.ThrowIfLengthMismatch(c.Length, m * n, nameof(c), "m * n");
        int bits = vectorBits == 0 ? WidestVectorBits : vectorBits;
        if (bits == 512 && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= Vector512<T>.Count)
            Tiles<Vector512<T>, Lanes512<T>, T>(a, lda, s, b, ldb, c, m, k, n);
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
            Tiles<Vector256<T>, Lanes256<T>, T>(a, lda, s, b, ldb, c, m, k, n);
        else
            MultiplyScalar(a, lda, s, b, ldb, c, m, k, n);
    }

    // One kernel for both widths: the JIT specialises it per lane struct, so TLanes' calls are
    // inlined vector instructions. Compiled fully optimised at first call, outside tiering:
    // under tiered PGO the JIT inlined this kernel into its callers and ran out of budget
    // there, leaving the vector steps as calls (the convolutional barycenter: 4.96 ms per
    // iteration untiered, 12.9 tiered).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tiles<TVector, TLanes, T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> s, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n)
        where TVector : struct where TLanes : struct, ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TLanes.Count;
        int vectors = (n + width - 1) / width;
        for (int i = 0; i < m; i += 2)
        {
            // Two rows of C at a time: eight independent accumulators cover the FMA latency,
            // and each row of B loaded serves both. An odd last row is paired with itself.
            int i1 = Math.Min(i + 1, m - 1);
            ReadOnlySpan<T> aRow0 = a.Slice(i * lda, k), aRow1 = a.Slice(i1 * lda, k);
            Span<T> cRow0 = c.Slice(i * n, n), cRow1 = c.Slice(i1 * n, n);
            for (int v = 0; v < vectors; v += 4)
            {
                // Column starts of up to four vectors; the last one ends at n, and a short group
                // repeats its last vector (same values, stored twice).
                int j0 = Start(v, vectors, width, n), j1 = Start(v + 1, vectors, width, n);
                int j2 = Start(v + 2, vectors, width, n), j3 = Start(v + 3, vectors, width, n);
                TVector c00 = TLanes.Zero, c01 = c00, c02 = c00, c03 = c00;
                TVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
                ref T bRow = ref MemoryMarshal.GetReference(b);
                for (int p = 0; p < k; p++)
                {
                    TVector x0 = TLanes.Broadcast(s.IsEmpty ? aRow0[p] : aRow0[p] * s[p]);
                    TVector x1 = TLanes.Broadcast(s.IsEmpty ? aRow1[p] : aRow1[p] * s[p]);
                    TVector b0 = TLanes.Load(ref bRow, j0), b1 = TLanes.Load(ref bRow, j1);
                    TVector b2 = TLanes.Load(ref bRow, j2), b3 = TLanes.Load(ref bRow, j3);
                    c00 = TLanes.MultiplyAdd(x0, b0, c00);
                    c01 = TLanes.MultiplyAdd(x0, b1, c01);
                    c02 = TLanes.MultiplyAdd(x0, b2, c02);
                    c03 = TLanes.MultiplyAdd(x0, b3, c03);
                    c10 = TLanes.MultiplyAdd(x1, b0, c10);
                    c11 = TLanes.MultiplyAdd(x1, b1, c11);
                    c12 = TLanes.MultiplyAdd(x1, b2, c12);
                    c13 = TLanes.MultiplyAdd(x1, b3, c13);
                    bRow = ref Unsafe.Add(ref bRow, ldb);
                }
                TLanes.Store(c00, cRow0[j0..]);
                TLanes.Store(c01, cRow0[j1..]);
                TLanes.Store(c02, cRow0[j2..]);
                TLanes.Store(c03, cRow0[j3..]);
                TLanes.Store(c10, cRow1[j0..]);
                TLanes.Store(c11, cRow1[j1..]);
                TLanes.Store(c12, cRow1[j2..]);
                TLanes.Store(c13, cRow1[j3..]);
            }
        }
    }

    private static int Start(int vector, int vectors, int width, int n) => Math.Min(vector, vectors - 1) == vectors - 1 ? n - width : vector * width;

    private static void MultiplyScalar<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> s, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++) sum += (s.IsEmpty ? a[i * lda + p] : a[i * lda + p] * s[p]) * b[p * ldb + j];
                c[i * n + j] = sum;
            }
    }
}
