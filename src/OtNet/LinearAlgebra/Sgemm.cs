// Single-precision matrix product for the layers: C = alpha op(A) op(B) + beta C, row-major,
// op = identity or transpose (backprop needs A B, A^T B and A B^T). The structure is the
// one of BLIS / OpenBLAS, small: B is packed into panels of 16 columns (zero-padded), and a
// 6 x 16 micro-kernel keeps 12 Vector256 accumulators in registers while it broadcasts 6
// entries of A and loads 2 vectors of B per step. Row blocks (or, for few rows, column
// panels) run in parallel; the result does not depend on the thread count (each entry is
// summed by one thread in one order).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OtNet.LinearAlgebra;

/// <summary>Single-precision matrix products C = alpha op(A) op(B) + beta C, blocked for the cache with a 6 x 16 FMA micro-kernel.</summary>
public static class Sgemm
{
    private const int Mr = 6, Nr = 16, Kc = 256;

    /// <summary>C (m x n) = alpha op(A) op(B) + beta C. op(A) is m x k: A is m x k, or k x m
    /// when <paramref name="transposeA"/>; op(B) is k x n: B is k x n, or n x k when
    /// <paramref name="transposeB"/>. beta = 0 ignores C's old contents (NaN included).</summary>
    public static void Multiply(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c,
        int m, int n, int k, float alpha = 1, float beta = 0, int maxDegreeOfParallelism = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckLength(a.Length, (long)m * k, nameof(a), transposeA ? "k x m" : "m x k");
        CheckLength(b.Length, (long)k * n, nameof(b), transposeB ? "n x k" : "k x n");
        CheckLength(c.Length, (long)m * n, nameof(c), "m x n");
        if (m == 0 || n == 0) return;
        if (beta == 0) c.Clear();
        else if (beta != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(c, beta, c);
        if (k == 0 || alpha == 0) return;

        int panels = (n + Nr - 1) / Nr;
        // Packed operands: B as [panel][p][16], A as rows of op(A) (contiguous along k).
        float[] packedB = System.Buffers.ArrayPool<float>.Shared.Rent(panels * k * Nr);
        float[]? packedA = transposeA ? System.Buffers.ArrayPool<float>.Shared.Rent(m * k) : null;
        try
        {
            PackB(b, transposeB, k, n, packedB);
            if (packedA is not null)
                for (int p = 0; p < k; p++)
                    for (int i = 0; i < m; i++) packedA[i * k + p] = a[p * m + i];
            int rowBlocks = (m + Mr - 1) / Mr;
            unsafe
            {
                // Pinned for the whole product, so that the parallel body may hold pointers.
                fixed (float* pa = a, pc = c, pb = packedB, ppa = packedA)
                {
                    var job = new Job(packedA is null ? pa : ppa, pb, pc, m, n, k, alpha);
                    if (maxDegreeOfParallelism == 1 || (long)m * n * k < 1 << 18)
                        job.Run(0, rowBlocks, 0, panels);
                    else if (rowBlocks >= panels)
                        Parallel.For(0, rowBlocks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, block => job.Run(block, block + 1, 0, panels));
                    else // few rows (a small batch through a wide layer): split the column panels instead
                        Parallel.For(0, panels, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, panel => job.Run(0, rowBlocks, panel, panel + 1));
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(packedB);
            if (packedA is not null) System.Buffers.ArrayPool<float>.Shared.Return(packedA);
        }
    }

    private static void CheckLength(int actual, long expected, string name, string shape)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has length {actual} but its shape {shape} needs {expected}.", name);
    }

    private static void PackB(ReadOnlySpan<float> b, bool transposeB, int k, int n, Span<float> packed)
    {
        int panels = (n + Nr - 1) / Nr;
        for (int panel = 0; panel < panels; panel++)
        {
            int j0 = panel * Nr, width = Math.Min(Nr, n - j0);
            Span<float> dst = packed.Slice(panel * k * Nr, k * Nr);
            for (int p = 0; p < k; p++)
            {
                Span<float> row = dst.Slice(p * Nr, Nr);
                if (transposeB) for (int j = 0; j < width; j++) row[j] = b[(j0 + j) * k + p];
                else b.Slice(p * n + j0, width).CopyTo(row);
                row[width..].Clear();
            }
        }
    }

    private sealed unsafe class Job(float* a, float* packedB, float* c, int m, int n, int k, float alpha)
    {
        /// <summary>The tiles of row blocks [firstBlock, endBlock) and panels [firstPanel, endPanel), k in chunks of Kc.</summary>
        public void Run(int firstBlock, int endBlock, int firstPanel, int endPanel)
        {
            for (int block = firstBlock; block < endBlock; block++)
                for (int panel = firstPanel; panel < endPanel; panel++) Tile(block, panel);
        }

        private void Tile(int block, int panel)
        {
            int i0 = block * Mr, rows = Math.Min(Mr, m - i0);
            Span<float> tile = stackalloc float[Mr * Nr];
            int j0 = panel * Nr, width = Math.Min(Nr, n - j0);
            for (int p0 = 0; p0 < k; p0 += Kc)
                MicroKernel(i0, rows, packedB + (long)panel * k * Nr, p0, Math.Min(Kc, k - p0), tile);
            for (int r = 0; r < rows; r++)
            {
                float* cRow = c + (long)(i0 + r) * n + j0;
                ReadOnlySpan<float> tRow = tile.Slice(r * Nr, width);
                int j = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var scale = Vector256.Create(alpha);
                    for (; j + 8 <= width; j += 8)
                        Vector256.Store(Vector256.Load(cRow + j) + scale * Vector256.Create(tRow.Slice(j, 8)), cRow + j);
                }
                for (; j < width; j++) cRow[j] += alpha * tRow[j];
            }
        }

        /// <summary>tile (rows x 16) = (the first chunk, p0 = 0) or += (later chunks) A[i0.., p0..p0+length)
        /// times the panel's rows p0..p0+length.</summary>
        private void MicroKernel(int i0, int rows, float* panel, int p0, int length, Span<float> tile)
        {
            if (p0 == 0 && !Vector256.IsHardwareAccelerated) tile.Clear();
            if (!Vector256.IsHardwareAccelerated)
            {
                for (int r = 0; r < rows; r++)
                    for (int p = p0; p < p0 + length; p++)
                    {
                        float x = a[(long)(i0 + r) * k + p];
                        for (int j = 0; j < Nr; j++) tile[r * Nr + j] += x * panel[p * Nr + j];
                    }
                return;
            }
            ref float t = ref MemoryMarshal.GetReference(tile);
            // The first chunk starts from zero: no clearing and reloading of the tile (it matters
            // when k is small, as in a 3 x 3 convolution's k = 9).
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            if (p0 > 0)
            {
                c00 = Vector256.LoadUnsafe(ref t, 0); c01 = Vector256.LoadUnsafe(ref t, 8);
                c10 = Vector256.LoadUnsafe(ref t, 16); c11 = Vector256.LoadUnsafe(ref t, 24);
                c20 = Vector256.LoadUnsafe(ref t, 32); c21 = Vector256.LoadUnsafe(ref t, 40);
                c30 = Vector256.LoadUnsafe(ref t, 48); c31 = Vector256.LoadUnsafe(ref t, 56);
                c40 = Vector256.LoadUnsafe(ref t, 64); c41 = Vector256.LoadUnsafe(ref t, 72);
                c50 = Vector256.LoadUnsafe(ref t, 80); c51 = Vector256.LoadUnsafe(ref t, 88);
            }
            // Missing rows of a short block read the block's last row again; their sums are never stored.
            float* a0 = a + (long)i0 * k + p0;
            float* a1 = a + (long)(i0 + Math.Min(1, rows - 1)) * k + p0, a2 = a + (long)(i0 + Math.Min(2, rows - 1)) * k + p0;
            float* a3 = a + (long)(i0 + Math.Min(3, rows - 1)) * k + p0, a4 = a + (long)(i0 + Math.Min(4, rows - 1)) * k + p0;
            float* a5 = a + (long)(i0 + Math.Min(5, rows - 1)) * k + p0;
            float* bp = panel + (long)p0 * Nr;
            for (int p = 0; p < length; p++, bp += Nr)
            {
                Vector256<float> b0 = Vector256.Load(bp), b1 = Vector256.Load(bp + 8);
                Vector256<float> x = Vector256.Create(a0[p]);
                c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
                x = Vector256.Create(a1[p]);
                c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
                x = Vector256.Create(a2[p]);
                c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
                x = Vector256.Create(a3[p]);
                c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
                x = Vector256.Create(a4[p]);
                c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
                x = Vector256.Create(a5[p]);
                c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            }
            c00.StoreUnsafe(ref t, 0); c01.StoreUnsafe(ref t, 8);
            c10.StoreUnsafe(ref t, 16); c11.StoreUnsafe(ref t, 24);
            c20.StoreUnsafe(ref t, 32); c21.StoreUnsafe(ref t, 40);
            c30.StoreUnsafe(ref t, 48); c31.StoreUnsafe(ref t, 56);
            c40.StoreUnsafe(ref t, 64); c41.StoreUnsafe(ref t, 72);
            c50.StoreUnsafe(ref t, 80); c51.StoreUnsafe(ref t, 88);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> x, Vector256<float> y, Vector256<float> acc) =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x, y, acc) : x * y + acc;
}
