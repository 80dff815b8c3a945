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
        var e = Assert.Throws<ArgumentOutOfRangeException>("indices", () => Split.Histograms([0, 3]));
        Assert.Contains("indices[1]", e.Message);
    }
}
