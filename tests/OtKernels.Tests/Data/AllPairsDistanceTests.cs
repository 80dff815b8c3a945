// AllPairsDistance: what a tile of `otk distances` computes, locally and on a silo. Exact W2
// between uniform clouds of equally many points is an assignment problem (Birkhoff), so it
// is checked against the best of all permutations; the divergence against its definition on
// the Sinkhorn solver and zero between equal clouds; the Euclidean distance on a 3-4-5
// case; and each value sits at its pair's place in the tile's order, whatever the threads.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Data;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Data;

public class AllPairsDistanceTests
{
    /// <summary>Coordinates in [-spread/2, spread/2], to 3 decimals.</summary>
    private static double[] Items(int count, int length, int seed, double spread = 4)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count * length).Select(_ => Math.Round((rng.NextDouble() - 0.5) * spread, 3))];
    }

    /// <summary>The values of a tile keyed by pair, from a block of items lying at start.</summary>
    private static Dictionary<(int, int), double> Keyed(AllPairsDistance distance, double[] items, int rowStart, int rowCount, int columnStart, int columnCount, int threads)
    {
        double[] rows = items.AsSpan(rowStart * distance.ItemLength, rowCount * distance.ItemLength).ToArray();
        double[] columns = items.AsSpan(columnStart * distance.ItemLength, columnCount * distance.ItemLength).ToArray();
        (double[] values, int notProven) = distance.Tile(rows, rowStart, columns, columnStart, threads);
        Assert.Equal(0, notProven);
        var pairs = (from i in Enumerable.Range(rowStart, rowCount) from j in Enumerable.Range(columnStart, columnCount) where j > i select (i, j)).ToList();
        Assert.Equal(pairs.Count, values.Length);
        return pairs.Select((p, k) => (p, values[k])).ToDictionary(x => x.p, x => x.Item2);
    }

    [Fact]
    public void ExactW2_IsTheBestAssignment_AtEachPairsPlace() =>
        Prop.ForAll((from points in Gen.Choose(1, 5) from dimension in Gen.Choose(1, 3) from seed in Gen.Choose(0, int.MaxValue) select (points, dimension, seed)).ToArbitrary(), t =>
        {
            var distance = new AllPairsDistance(AllPairsMetric.W2, t.points, t.dimension);
            double[] items = Items(6, distance.ItemLength, t.seed);
            // A diagonal tile (rows 1..4 against themselves) and an off-diagonal one.
            foreach (var tile in new[] { (1, 4, 1, 4), (0, 3, 3, 3) })
                foreach (((int i, int j), double value) in Keyed(distance, items, tile.Item1, tile.Item2, tile.Item3, tile.Item4, threads: 2))
                {
                    double expected = BestAssignment(items.AsSpan(i * distance.ItemLength, distance.ItemLength), items.AsSpan(j * distance.ItemLength, distance.ItemLength), t.points, t.dimension);
                    Assert.True(Math.Abs(value - expected) <= 1e-12 * (1 + expected), $"pair ({i}, {j}): {value:R} against {expected:R}");
                }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));

    /// <summary>min over permutations s of (1/k) sum_p |x_p - y_s(p)|^2.</summary>
    private static double BestAssignment(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int k, int d)
    {
        var cost = new double[k, k];
        for (int p = 0; p < k; p++)
            for (int q = 0; q < k; q++)
                for (int c = 0; c < d; c++) cost[p, q] += (x[p * d + c] - y[q * d + c]) * (x[p * d + c] - y[q * d + c]);
        double best = double.PositiveInfinity;
        foreach (int[] s in Permutations(k)) best = Math.Min(best, Enumerable.Range(0, k).Sum(p => cost[p, s[p]]) / k);
        return best;
    }

    private static IEnumerable<int[]> Permutations(int k) => k == 0 ? [[]]
        : Permutations(k - 1).SelectMany(rest => Enumerable.Range(0, k).Select(at => rest.Take(at).Append(k - 1).Concat(rest.Skip(at)).ToArray()));

    [Fact]
    public void Divergence_IsTheSinkhornDivergenceOfEachPair_AndZeroForEqualClouds()
    {
        var distance = new AllPairsDistance(AllPairsMetric.Sinkhorn, 4, 2) { Epsilon = 0.05, EpsilonScaling = 0.5, Tolerance = 1e-10 };
        double[] items = Items(5, distance.ItemLength, 11, spread: 1);
        items.AsSpan(2 * 8, 8).CopyTo(items.AsSpan(4 * 8, 8)); // item 4 equals item 2
        Dictionary<(int, int), double> values = Keyed(distance, items, 0, 5, 0, 5, threads: 2);
        double[] uniform = [0.25, 0.25, 0.25, 0.25];
        foreach (((int i, int j), double value) in values)
        {
            var cost = new PointCloudCost(items.AsMemory(i * 8, 8), items.AsMemory(j * 8, 8), 2);
            double expected = SinkhornDivergence.Solve<double>(uniform, uniform, cost, new SinkhornOptions { Epsilon = 0.05, EpsilonScaling = 0.5, Tolerance = 1e-10 }).Value[0];
            Assert.Equal(expected, value);
        }
        Assert.True(Math.Abs(values[(2, 4)]) < 1e-9, $"S(x, x) = {values[(2, 4)]:R}");
        Assert.True(values[(0, 1)] > 1e-3);
    }

    [Fact]
    public void Euclidean_OfAThreeFourFiveTriangle()
    {
        var distance = new AllPairsDistance(AllPairsMetric.Euclidean, 1, 2);
        (double[] values, _) = distance.Tile(new double[] { 0, 0, 3, 4, 3, 0 }, 0, new double[] { 0, 0, 3, 4, 3, 0 }, 0, threads: 1);
        Assert.Equal([5.0, 3.0, 4.0], values); // (0,1) (0,2) (1,2)
    }

    [Theory]
    [InlineData(AllPairsMetric.Euclidean)]
    [InlineData(AllPairsMetric.W2)]
    [InlineData(AllPairsMetric.Sinkhorn)]
    public void Values_DoNotDependOnTheThreads(AllPairsMetric metric)
    {
        var distance = new AllPairsDistance(metric, 6, 3) { Epsilon = 0.2, EpsilonScaling = 0.5 };
        double[] items = Items(12, distance.ItemLength, 5, spread: 1);
        Assert.Equal(Keyed(distance, items, 0, 12, 0, 12, threads: 1), Keyed(distance, items, 0, 12, 0, 12, threads: 2));
    }

    [Fact]
    public void BadBlocks_AreRefused_NamingTheItem()
    {
        var distance = new AllPairsDistance(AllPairsMetric.W2, 2, 2);
        double[] rows = [0, 0, 1, 1, 2, 2, double.NaN, 3];
        var e = Assert.Throws<ArgumentException>(() => distance.Tile(rows, 10, rows[..4], 0, 1));
        Assert.Contains("item 11", e.Message);
        Assert.Equal("rows", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => distance.Tile(rows[..4], 0, rows[..3], 4, 1));
        Assert.Equal("columns", e.ParamName);
    }
}
