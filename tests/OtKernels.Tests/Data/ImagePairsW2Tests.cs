// ImagePairsW2: what a shard of `otk w2 mnist` computes, locally and on a silo. Checked
// against the network simplex on the histograms built independently, and on bad input.
using OtKernels.Data;
using OtKernels.Exact;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Data;

public class ImagePairsW2Tests
{
    [Fact]
    public void Values_EqualTheSolverOnTheImagesHistograms()
    {
        var rng = new Random(3);
        const int h = 5, w = 4, pairs = 6;
        byte[] first = [.. Enumerable.Range(0, pairs * h * w).Select(_ => (byte)rng.Next(1, 256))];
        byte[] second = [.. Enumerable.Range(0, pairs * h * w).Select(_ => (byte)(rng.Next(3) == 0 ? 0 : rng.Next(1, 256)))];
        (double[] values, int notOptimal) = ImagePairsW2.Solve(first, second, h, w, threads: 2);
        Assert.Equal(0, notOptimal);
        for (int k = 0; k < pairs; k++)
        {
            double[] a = Histogram(first.AsSpan(k * h * w, h * w)), b = Histogram(second.AsSpan(k * h * w, h * w));
            // The histograms here divide by the sum, the library multiplies by its inverse:
            // equal to the last bits, so equal values to 1e-12.
            double expected = NetworkSimplex.Solve(a, b, new ImageGridCost(h, w)).Cost;
            Assert.True(Math.Abs(values[k] - expected) <= 1e-12 * expected, $"pair {k}: {values[k]:R} against {expected:R}");
        }
    }

    private static double[] Histogram(ReadOnlySpan<byte> pixels)
    {
        double sum = 0;
        foreach (byte p in pixels) sum += p;
        var histogram = new double[pixels.Length];
        for (int k = 0; k < pixels.Length; k++) histogram[k] = pixels[k] / sum;
        return histogram;
    }

    [Fact]
    public void BadInput_IsRefused_NamingTheArgument()
    {
        Assert.Contains("a pair needs one image of each", Assert.Throws<ArgumentException>("secondPixels", () => ImagePairsW2.Solve(new byte[8], new byte[4], 2, 2, 1)).Message);
        Assert.Contains("not a whole number of 2 x 2 images", Assert.Throws<ArgumentException>("firstPixels", () => ImagePairsW2.Solve(new byte[6], new byte[6], 2, 2, 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>("threads", () => ImagePairsW2.Solve(new byte[4], new byte[4], 2, 2, 0));
        Assert.Throws<ArgumentException>("pixels", () => ImagePairsW2.Solve(new byte[4], [1, 1, 1, 1], 2, 2, 1)); // no ink
    }
}
