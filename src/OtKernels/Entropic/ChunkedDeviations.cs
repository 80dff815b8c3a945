// The per-pixel spread of POT's barycenter stop, std_k of the plans' marginals (x_k y_k on
// grids, exp(G_k + log K^T u_k) in the log domain), without keeping count x n of them: each
// chunk of images keeps the mean of its values and the sum of their squared deviations from
// it, updated image by image while the operands are in cache (Welford 1962), and the chunks'
// statistics are merged in chunk order (Chan, Golub, LeVeque 1979, the pairwise update). Both
// are as stable as numpy's two passes (mean, then squared deviations), which the one-pass
// E[p^2] - E[p]^2 is not. Storing the values and taking two passes over them cost the grid
// barycenters a write and two reads of 6.3 MB per check on 1,000 digits.
// No fused multiply-adds and the same operations in the vector lanes and the scalar tail:
// a pixel's value does not depend on which part of the range a thread was given.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.LinearAlgebra;

namespace OtKernels.Entropic;

internal static class ChunkedDeviations
{
    /// <summary>Takes the value p = TValue(x, y) of the chunk's image number index (from 0)
    /// into the chunk's mean and sum of squared deviations m2: index 0 starts them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add<TValue>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int index, Span<double> mean, Span<double> m2)
        where TValue : struct, Elementwise.IBinary
    {
        int n = mean.Length;
        ThrowHelper.ThrowIfLengthMismatch(x.Length, n, nameof(x), nameof(mean));
        ThrowHelper.ThrowIfLengthMismatch(y.Length, n, nameof(y), nameof(mean));
        ThrowHelper.ThrowIfLengthMismatch(m2.Length, n, nameof(m2), nameof(mean));
        if (index == 0)
        {
            Elementwise.Map<TValue>(x, y, mean);
            m2.Clear();
            return;
        }
        // The mean moves by d / (index + 1); a multiply by the reciprocal, as divisions of
        // every pixel cost 2% of a barycenter's time though they run one iteration in ten.
        double inverse = 1.0 / (index + 1);
        ref double xRef = ref MemoryMarshal.GetReference(x), yRef = ref MemoryMarshal.GetReference(y);
        ref double mRef = ref MemoryMarshal.GetReference(mean), sRef = ref MemoryMarshal.GetReference(m2);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var inverses = Vector256.Create(inverse);
            for (; j <= n - 4; j += 4)
            {
                Vector256<double> p = TValue.Apply(Vector256.LoadUnsafe(ref xRef, (nuint)j), Vector256.LoadUnsafe(ref yRef, (nuint)j));
                Vector256<double> m = Vector256.LoadUnsafe(ref mRef, (nuint)j);
                Vector256<double> d = p - m;
                m += d * inverses;
                m.StoreUnsafe(ref mRef, (nuint)j);
                (Vector256.LoadUnsafe(ref sRef, (nuint)j) + d * (p - m)).StoreUnsafe(ref sRef, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            double p = TValue.Apply(x[j], y[j]), d = p - mean[j];
            mean[j] += d * inverse;
            m2[j] += d * (p - mean[j]);
        }
    }

    /// <summary>std[i] = the population standard deviation of all count values at pixel
    /// start + i, from the chunks' statistics (means and m2s, [chunks, n], chunk c holding
    /// images c size .. min(count, (c + 1) size) - 1) merged in chunk order; mean is scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Merge(ReadOnlySpan<double> means, ReadOnlySpan<double> m2s, int size, int count, int n, int start,
        Span<double> mean, Span<double> std)
    {
        int length = std.Length, chunks = (count + size - 1) / size;
        ThrowHelper.ThrowIfLengthMismatch(mean.Length, length, nameof(mean), nameof(std));
        means.Slice(start, length).CopyTo(mean);
        m2s.Slice(start, length).CopyTo(std);
        ref double mRef = ref MemoryMarshal.GetReference(mean), sRef = ref MemoryMarshal.GetReference(std);
        for (int c = 1; c < chunks; c++)
        {
            double before = c * size, added = Math.Min(count, (c + 1) * size) - before, total = before + added;
            double shift = added / total, cross = before * added / total;
            ReadOnlySpan<double> chunkMean = means.Slice(c * n + start, length), chunkM2 = m2s.Slice(c * n + start, length);
            ref double cmRef = ref MemoryMarshal.GetReference(chunkMean), csRef = ref MemoryMarshal.GetReference(chunkM2);
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<double> shifts = Vector256.Create(shift), crosses = Vector256.Create(cross);
                for (; i <= length - 4; i += 4)
                {
                    Vector256<double> m = Vector256.LoadUnsafe(ref mRef, (nuint)i);
                    Vector256<double> d = Vector256.LoadUnsafe(ref cmRef, (nuint)i) - m;
                    (m + d * shifts).StoreUnsafe(ref mRef, (nuint)i);
                    (Vector256.LoadUnsafe(ref sRef, (nuint)i) + Vector256.LoadUnsafe(ref csRef, (nuint)i) + d * d * crosses).StoreUnsafe(ref sRef, (nuint)i);
                }
            }
            for (; i < length; i++)
            {
                double d = chunkMean[i] - mean[i];
                mean[i] += d * shift;
                std[i] = std[i] + chunkM2[i] + d * d * cross;
            }
        }
        ToDeviations(std, count);
    }

    /// <summary>m2 (one chunk's sums of squared deviations over count values) becomes the
    /// standard deviations, in place.</summary>
    public static void ToDeviations(Span<double> m2, int count)
    {
        for (int i = 0; i < m2.Length; i++) m2[i] = Math.Sqrt(m2[i] / count);
    }
}
