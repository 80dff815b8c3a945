// MNIST images as the solvers and the networks take them: each divided by its pixel sum,
// in the order asked, and an index outside the split named by its position.
using OtKernels.Data;
using Xunit;

namespace OtKernels.Tests.Data;

public class MnistSplitTests
{
    // Three 2 x 2 images: sums 4, 4 and 10.
    private static readonly MnistSplit Split = new([1, 0, 0, 3, 0, 2, 2, 0, 5, 5, 0, 0], [7, 1, 4], 3, 2, 2);

    [Fact]
    public void Histograms_AreTheAskedImagesOverTheirSums()
    {
        Assert.Equal([0, 0.5, 0.5, 0, 0.25, 0, 0, 0.75], Split.Histograms([1, 0]));
        Assert.Equal([0.25f, 0, 0, 0.75f, 0, 0.5f, 0.5f, 0, 0.5f, 0.5f, 0, 0], Split.Float32Histograms());
        Assert.Equal([0.5f, 0.5f, 0, 0, 0.25f, 0, 0, 0.75f], Split.Float32Histograms([2, 0]));
        var e = Assert.Throws<ArgumentOutOfRangeException>("indices", () => Split.Histograms([0, 3]));
        Assert.Contains("indices[1]", e.Message);
        Assert.Contains("indices[0]", Assert.Throws<ArgumentOutOfRangeException>("indices", () => Split.Float32Histograms([-1])).Message);
    }

    [Fact]
    public void OfLabel_IsTheFirstImagesOfTheLabel_InSplitOrder()
    {
        var split = new MnistSplit(new byte[6 * 4], [3, 1, 3, 3, 0, 3], 6, 2, 2);
        Assert.Equal([0, 2], split.OfLabel(3, 2));
        Assert.Equal([0, 2, 3, 5], split.OfLabel(3, 10));
        Assert.Empty(split.OfLabel(7, 5));
        Assert.Empty(split.OfLabel(3, 0));
    }

    /// <summary>Pairs of distinct images, the same for the same seed: `otk dwe pairs` data sets
    /// are remade from (seed, split) alone, so the draw is pinned to its first values.</summary>
    [Fact]
    public void RandomPairs_AreDistinctImages_AndReproducible()
    {
        var split = new MnistSplit(new byte[10 * 4], new byte[10], 10, 2, 2);
        (int[] first, int[] second) = split.RandomPairs(1000, seed: 1);
        Assert.All(Enumerable.Range(0, 1000), k => Assert.True(first[k] != second[k] && first[k] is >= 0 and < 10 && second[k] is >= 0 and < 10));
        Assert.Equal(first, split.RandomPairs(1000, seed: 1).First);
        Assert.NotEqual(first, split.RandomPairs(1000, seed: 2).First);
        Assert.Equal(Pinned, first[..5].Zip(second[..5], (i, j) => (i, j)).ToArray());
    }

    // Random(1) on .NET 10: Next(10), then Next(9) shifted past the first.
    private static readonly (int, int)[] Pinned = [(2, 0), (4, 7), (6, 3), (3, 9), (1, 6)];
}
