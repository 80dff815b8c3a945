// C = A B for the small row-major matrices of the grid kernels (28 x 28 for MNIST), where a
// library GEMM's packing costs more than the product. A 2 x 4-vector tile of C is held in
// registers while entries of A are broadcast against the rows of B (the rank-1 update
// form), so B streams from L1 and C is written once. A width
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

    // Compiled fully optimised at first call, outside tiering: under tiered PGO the JIT inlined
    // this kernel into its callers and ran out of budget there, leaving the Vector256 steps as
    // calls (the convolutional barycenter: 4.96 ms per iteration untiered, 12.9 tiered).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> s, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!s.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(s.Length, k, nameof(s), "k");
        if (lda < k || a.Length < (m - 1) * lda + k) throw new ArgumentException($"a holds {a.Length} values; {m} rows of {k} at stride {lda} need {(m - 1) * lda + k}.", nameof(a));
        if (ldb < n || b.Length < (k - 1) * ldb + n) throw new ArgumentException($"b holds {b.Length} values; {k} rows of {n} at stride {ldb} need {(k - 1) * ldb + n}.", nameof(b));
        ThrowHelper.ThrowIfLengthMismatch(c.Length, m * n, nameof(c), "m * n");
        int width = Vector256<T>.Count;
        if (!Vector256.IsHardwareAccelerated || !Vector256<T>.IsSupported || n < width)
        {
            MultiplyScalar(a, lda, s, b, ldb, c, m, k, n);
            return;
        }
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
                Vector256<T> c00 = Vector256<T>.Zero, c01 = c00, c02 = c00, c03 = c00;
                Vector256<T> c10 = c00, c11 = c00, c12 = c00, c13 = c00;
                ref T bRow = ref MemoryMarshal.GetReference(b);
                for (int p = 0; p < k; p++)
                {
                    var x0 = Vector256.Create(s.IsEmpty ? aRow0[p] : aRow0[p] * s[p]);
                    var x1 = Vector256.Create(s.IsEmpty ? aRow1[p] : aRow1[p] * s[p]);
                    Vector256<T> b0 = Vector256.LoadUnsafe(ref bRow, (nuint)j0), b1 = Vector256.LoadUnsafe(ref bRow, (nuint)j1);
                    Vector256<T> b2 = Vector256.LoadUnsafe(ref bRow, (nuint)j2), b3 = Vector256.LoadUnsafe(ref bRow, (nuint)j3);
                    c00 = MultiplyAdd(x0, b0, c00);
                    c01 = MultiplyAdd(x0, b1, c01);
                    c02 = MultiplyAdd(x0, b2, c02);
                    c03 = MultiplyAdd(x0, b3, c03);
                    c10 = MultiplyAdd(x1, b0, c10);
                    c11 = MultiplyAdd(x1, b1, c11);
                    c12 = MultiplyAdd(x1, b2, c12);
                    c13 = MultiplyAdd(x1, b3, c13);
                    bRow = ref Unsafe.Add(ref bRow, ldb);
                }
                c00.CopyTo(cRow0[j0..]);
                c01.CopyTo(cRow0[j1..]);
                c02.CopyTo(cRow0[j2..]);
                c03.CopyTo(cRow0[j3..]);
                c10.CopyTo(cRow1[j0..]);
                c11.CopyTo(cRow1[j1..]);
                c12.CopyTo(cRow1[j2..]);
                c13.CopyTo(cRow1[j3..]);
            }
        }
    }

    private static int Start(int vector, int vectors, int width, int n) => Math.Min(vector, vectors - 1) == vectors - 1 ? n - width : vector * width;

    /// <summary>a b + c, fused where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MultiplyAdd<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Fma.IsSupported) return a * b + c;
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return a * b + c;
    }

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
