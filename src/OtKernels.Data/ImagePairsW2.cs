// Exact W2^2 between pairs of byte images on one grid: each image becomes a histogram
// (pixels over their sum, DESIGN.md) and each pair is solved by the network simplex on the
// squared Euclidean grid cost in pixel units. One function for every place that computes a
// shard of `otk w2 mnist` or `otk dwe pairs`, local or on a cluster's silo, so that the
// values, and the files written from them, are the same bit for bit wherever they ran.
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Data;

/// <summary>Exact W2^2 of image pairs given as pixels.</summary>
public static class ImagePairsW2
{
    /// <summary>W2^2 between image k of <paramref name="firstPixels"/> and image k of
    /// <paramref name="secondPixels"/> (each height x width bytes, images back to back), and
    /// how many pairs stopped at the pivot limit (their value is then an upper bound).</summary>
    /// <exception cref="ArgumentException">Pixel buffers of different lengths or not a whole
    /// number of images, or an image with no ink (its histogram is undefined).</exception>
    public static (double[] W2Squared, int NotOptimal) Solve(ReadOnlySpan<byte> firstPixels, ReadOnlySpan<byte> secondPixels, int height, int width, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int pixels = height * width;
        if (firstPixels.Length != secondPixels.Length)
            throw new ArgumentException($"firstPixels holds {firstPixels.Length} bytes and secondPixels {secondPixels.Length}; a pair needs one image of each.", nameof(secondPixels));
        if (firstPixels.Length % pixels != 0)
            throw new ArgumentException($"firstPixels holds {firstPixels.Length} bytes, not a whole number of {height} x {width} images.", nameof(firstPixels));
        int pairs = firstPixels.Length / pixels;
        var a = new double[firstPixels.Length];
        var b = new double[secondPixels.Length];
        for (int k = 0; k < pairs; k++)
        {
            ImageHistogram.FromPixels(firstPixels.Slice(k * pixels, pixels), a.AsSpan(k * pixels, pixels));
            ImageHistogram.FromPixels(secondPixels.Slice(k * pixels, pixels), b.AsSpan(k * pixels, pixels));
        }
        EmdBatchResult results = NetworkSimplex.SolveBatch(a, b, new ImageGridCost(height, width), new EmdOptions { MaxDegreeOfParallelism = threads });
        return (results.Cost.ToArray(), results.Status.Count(s => s != EmdStatus.Optimal));
    }
}
