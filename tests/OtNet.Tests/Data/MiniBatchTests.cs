using FsCheck;
using FsCheck.Fluent;
using OtNet.Data;
using Xunit;

namespace OtNet.Tests.Data;

public class MiniBatchTests
{
    [Fact]
    public void AnEpoch_VisitsEveryExampleOnce_InBatchesOfTheGivenSize()
    {
        Prop.ForAll((from count in Gen.Choose(0, 200) from size in Gen.Choose(1, 40) from seed in Gen.Choose(0, 1000) from epoch in Gen.Choose(0, 5)
                     select (count, size, seed, epoch)).ToArbitrary(), t =>
        {
            int[][] batches = MiniBatches.Shuffled(t.count, t.size, t.seed, t.epoch).ToArray();
            Assert.Equal(Enumerable.Range(0, t.count), batches.SelectMany(b => b).Order());
            Assert.All(batches.SkipLast(1), b => Assert.Equal(t.size, b.Length));
            int[][] dropped = MiniBatches.Shuffled(t.count, t.size, t.seed, t.epoch, dropLast: true).ToArray();
            Assert.Equal(t.count / t.size, dropped.Length);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TheOrder_DependsOnlyOnSeedAndEpoch()
    {
        Assert.Equal(MiniBatches.Permutation(100, 7, 3), MiniBatches.Permutation(100, 7, 3));
        Assert.NotEqual(MiniBatches.Permutation(100, 7, 3), MiniBatches.Permutation(100, 7, 4));
        Assert.NotEqual(MiniBatches.Permutation(100, 7, 3), MiniBatches.Permutation(100, 8, 3));
        // Pinned: a change of the shuffling algorithm would silently change resumed runs.
        Assert.Equal(new[] { 8, 7, 5, 3, 4, 1, 0, 9, 2, 6 }, MiniBatches.Permutation(10, 1, 0));
    }

    [Fact]
    public void LabelledImages_FillBatch_CopiesTheIndexedExamples()
    {
        float[] pixels = Enumerable.Range(0, 3 * 4).Select(i => (float)i).ToArray();
        var data = new LabelledImages(pixels, [5, 6, 7], 1, 2, 2);
        var x = new Tensor(2, 1, 2, 2);
        var labels = new int[2];
        data.FillBatch([2, 0], x, labels);
        Assert.Equal(new float[] { 8, 9, 10, 11, 0, 1, 2, 3 }, x.Data);
        Assert.Equal(new[] { 7, 5 }, labels);
        Assert.Throws<ArgumentException>(() => new LabelledImages(pixels, [1, 2], 1, 2, 2));
    }
}
