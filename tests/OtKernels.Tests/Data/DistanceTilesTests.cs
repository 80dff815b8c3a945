// DistanceTiles: the tiles of an all-pairs job cover every pair i < j exactly once, each
// tile within its two blocks, with the lengths the job's shards are given.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Data;
using Xunit;

namespace OtKernels.Tests.Data;

public class DistanceTilesTests
{
    [Fact]
    public void Tiles_CoverEveryPairOnce_WithinTheirBlocks() =>
        Prop.ForAll(Gen.Choose(2, 40).ToArbitrary(), Gen.Choose(1, 12).ToArbitrary(), (n, size) =>
        {
            var tiles = new DistanceTiles(n, size);
            var seen = new List<(int, int)>();
            for (int t = 0; t < tiles.PairsPerTile.Count; t++)
            {
                (int rowStart, int rowCount, int columnStart, int columnCount) = tiles.Tile(t);
                (int I, int J)[] pairs = [.. tiles.PairsOf(t)];
                Assert.Equal(tiles.PairsPerTile[t], pairs.Length);
                Assert.True(pairs.Length > 0, $"tile {t} is empty");
                Assert.All(pairs, p => Assert.True(p.I < p.J && p.I >= rowStart && p.I < rowStart + rowCount && p.J >= columnStart && p.J < columnStart + columnCount));
                Assert.True(rowCount <= size && columnCount <= size);
                seen.AddRange(pairs.Select(p => (p.I, p.J)));
            }
            var all = (from i in Enumerable.Range(0, n) from j in Enumerable.Range(i + 1, n - i - 1) select (i, j)).ToList();
            Assert.Equal(n * (n - 1) / 2, tiles.Pairs);
            Assert.Equal(all.Count, seen.Count);
            Assert.Equal(all.OrderBy(p => p), seen.OrderBy(p => p));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));

    [Fact]
    public void FiveItemsInTilesOfTwo_AreNumberedRowBlockByRowBlock()
    {
        var tiles = new DistanceTiles(5, 2);
        // Blocks {0,1} {2,3} {4}: tiles (0,0) (0,1) (0,2) (1,1) (1,2); (2,2) holds no pair.
        Assert.Equal([1, 4, 2, 1, 2], tiles.PairsPerTile);
        Assert.Equal([(0, 2), (0, 3), (1, 2), (1, 3)], tiles.PairsOf(1));
        Assert.Equal((2, 2, 4, 1), tiles.Tile(4));
    }

    [Fact]
    public void TooManyItems_AreRefused_SayingTheLimit()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DistanceTiles(65537, 1024));
        Assert.Contains("65,536", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistanceTiles(1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistanceTiles(10, 0));
    }
}
