// C = A B for the small row-major matrices of the grid kernels (28 x 28 for MNIST, 20 x 20
// windows of it), where a library GEMM's packing costs more than the product. A tile of 2
// rows by up to 4 vectors of C is held in registers while entries of A are broadcast
// against the rows of B (the rank-1 update form), so B streams from L1 and C is written
// once. The vectors are the widest the hardware accelerates: AVX-512 ran the MNIST blurs
// 1.4-1.8x faster than AVX2.
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
        if (bits == 512 && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= Vector512<T>.Count)
            Tiles<Vector512<T>, Lanes512<T>, T>(a, lda, b, ldb, c, m, k, n);
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
            Tiles<Vector256<T>, Lanes256<T>, T>(a, lda, b, ldb, c, m, k, n);
        else
            MultiplyScalar(a, lda, b, ldb, c, m, k, n);
    }

    // One kernel for both widths and every group of 1-4 vectors: the JIT specialises it per
    // lane struct and group struct, so TLanes' calls are inlined vector instructions and the
    // unused accumulators of a narrower group drop out.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loops are never tier-0 code (see ImageGridCost.SoftMin)
    private static void Tiles<TVector, TLanes, T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n)
        where TVector : struct where TLanes : struct, ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = TLanes.Count;
        int vectors = (n + width - 1) / width;
        // Columns go in groups of 4 vectors, the last 5-7 as 3 + 2, 4 + 2 and 4 + 3, so that no
        // group repeats a vector (the window widths of the grid passes, 20 or 28 doubles, are
        // 5 and 7 vectors). The last group ends at n, overlapping the one before it when n is
        // not a multiple of the width (recomputing a few columns beats a scalar tail).
        for (int v = 0; v < vectors;)
        {
            int left = vectors - v;
            int group = Math.Min(left >= 6 || left == 4 ? 4 : left == 5 || left == 3 ? 3 : left, n / width);
            int start = Math.Min(v * width, n - group * width);
            switch (group)
            {
                case 4: Group<TVector, TLanes, T, Four>(a, lda, b, ldb, c, m, k, n, start); break;
                case 3: Group<TVector, TLanes, T, Three>(a, lda, b, ldb, c, m, k, n, start); break;
                case 2: Group<TVector, TLanes, T, Two>(a, lda, b, ldb, c, m, k, n, start); break;
                default: Group<TVector, TLanes, T, One>(a, lda, b, ldb, c, m, k, n, start); break;
            }
            v += group;
        }
    }

    /// <summary>The columns start..start + TGroup.Vectors * width of c, two rows at a time: the
    /// 2 x group accumulators are held in registers while entries of a are broadcast against
    /// the rows of b (the rank-1 update form), so b streams from L1 and c is written once.</summary>
    // Compiled fully optimised at first call, outside tiering: under tiered PGO the JIT inlined
    // this kernel into its callers and ran out of budget there, leaving the vector steps as
    // calls (the convolutional barycenter: 4.96 ms per iteration untiered, 12.9 tiered).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Group<TVector, TLanes, T, TGroup>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int m, int k, int n, int start)
        where TVector : struct where TLanes : struct, ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T> where TGroup : struct, IGroup
    {
        int width = TLanes.Count;
        for (int i = 0; i < m; i += 2)
        {
            // Two rows of c at a time: up to eight independent accumulators cover the FMA
            // latency, and each row of b loaded serves both. An odd last row is paired with itself.
            int i1 = Math.Min(i + 1, m - 1);
            ref T aRow0 = ref MemoryMarshal.GetReference(a.Slice(i * lda, k)), aRow1 = ref MemoryMarshal.GetReference(a.Slice(i1 * lda, k));
            TVector c00 = TLanes.Zero, c01 = c00, c02 = c00, c03 = c00;
            TVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            ref T bRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(b), start);
            for (int p = 0; p < k; p++)
            {
                // The group's vectors are contiguous: constant offsets from bRow.
                TVector x0 = TLanes.Broadcast(Unsafe.Add(ref aRow0, p)), x1 = TLanes.Broadcast(Unsafe.Add(ref aRow1, p));
                TVector b0 = TLanes.Load(ref bRow, 0);
                c00 = TLanes.MultiplyAdd(x0, b0, c00);
                c10 = TLanes.MultiplyAdd(x1, b0, c10);
                if (TGroup.Vectors > 1)
                {
                    TVector b1 = TLanes.Load(ref bRow, width);
                    c01 = TLanes.MultiplyAdd(x0, b1, c01);
                    c11 = TLanes.MultiplyAdd(x1, b1, c11);
                }
                if (TGroup.Vectors > 2)
                {
                    TVector b2 = TLanes.Load(ref bRow, 2 * width);
                    c02 = TLanes.MultiplyAdd(x0, b2, c02);
                    c12 = TLanes.MultiplyAdd(x1, b2, c12);
                }
                if (TGroup.Vectors > 3)
                {
                    TVector b3 = TLanes.Load(ref bRow, 3 * width);
                    c03 = TLanes.MultiplyAdd(x0, b3, c03);
                    c13 = TLanes.MultiplyAdd(x1, b3, c13);
                }
                bRow = ref Unsafe.Add(ref bRow, ldb);
            }
            Span<T> cRow0 = c.Slice(i * n + start, n - start), cRow1 = c.Slice(i1 * n + start, n - start);
            TLanes.Store(c00, cRow0);
            TLanes.Store(c10, cRow1);
            if (TGroup.Vectors > 1)
            {
                TLanes.Store(c01, cRow0[width..]);
                TLanes.Store(c11, cRow1[width..]);
            }
            if (TGroup.Vectors > 2)
            {
                TLanes.Store(c02, cRow0[(2 * width)..]);
                TLanes.Store(c12, cRow1[(2 * width)..]);
            }
            if (TGroup.Vectors > 3)
            {
                TLanes.Store(c03, cRow0[(3 * width)..]);
                TLanes.Store(c13, cRow1[(3 * width)..]);
            }
        }
    }

    private interface IGroup
    {
        static abstract int Vectors { get; }
    }

    private readonly struct One : IGroup
    {
        public static int Vectors => 1;
    }

    private readonly struct Two : IGroup
    {
        public static int Vectors => 2;
    }

    private readonly struct Three : IGroup
    {
        public static int Vectors => 3;
    }

    private readonly struct Four : IGroup
    {
        public static int Vectors => 4;
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
