// The rows the exact solver's sparse path reads: ImageGridCost's row reader against its own
// indexer (bit for bit: the solver mixes both), and its separable c-transform (the distance
// transform that spares the optimality check from reading every row) against the brute-force
// minimum over every target column, on FsCheck grids, spacings, column subsets and potentials.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Geometry;

public class CostRowsTests
{
    [Fact]
    public void GridRows_EqualTheIndexer_AndTheirTransformIsTheBruteForceMinimum() =>
        Prop.ForAll((from h in Gen.Choose(1, 12)
                     from w in Gen.Choose(1, 12)
                     from spacing in Gen.Elements(1.0, 0.5, 3.25)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (h, w, spacing, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.h, t.w, t.spacing);
            int n = t.h * t.w;
            // Any nonempty subset of the pixels as columns, in increasing order as the solver keeps them.
            int[] cols = [.. Enumerable.Range(0, n).Where(_ => rng.Next(3) > 0)];
            if (cols.Length == 0) cols = [rng.Next(n)];
            int[] rows = [.. Enumerable.Range(0, n).Where(_ => rng.Next(2) > 0).DefaultIfEmpty(0)];
            double[] potential = [.. cols.Select(_ => (rng.NextDouble() - 0.5) * 200 * t.spacing * t.spacing)];
            CostRows reader = grid.RowsOver(cols);

            var row = new double[cols.Length];
            var some = new double[2];
            foreach (int i in rows)
            {
                reader.Fill(i, row);
                for (int k = 0; k < cols.Length; k++) Assert.Equal(grid[i, cols[k]], row[k]);
                int[] pick = [rng.Next(cols.Length), rng.Next(cols.Length)];
                reader.Fill(i, pick, some);
                Assert.Equal([grid[i, cols[pick[0]]], grid[i, cols[pick[1]]]], some);
            }

            var minima = new double[rows.Length];
            Assert.True(reader.TryRowMinima(potential, rows, minima));
            for (int r = 0; r < rows.Length; r++)
            {
                double brute = double.PositiveInfinity;
                for (int k = 0; k < cols.Length; k++) brute = Math.Min(brute, grid[rows[r], cols[k]] - potential[k]);
                Assert.True(Math.Abs(minima[r] - brute) <= 1e-12 * (1 + Math.Abs(brute) + potential.Max(Math.Abs)),
                    $"{t.h}x{t.w} spacing {t.spacing}, row {rows[r]}: transform {minima[r]:R}, brute force {brute:R}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));

    [Fact]
    public void CloudRows_EqualTheIndexer_BitForBit_ForEveryMetric() =>
        Prop.ForAll((from n in Gen.Choose(1, 30)
                     from m in Gen.Choose(1, 30)
                     from d in Gen.Choose(1, 4)
                     from metric in Gen.Elements(GroundMetric.SqEuclidean, GroundMetric.Euclidean, GroundMetric.Minkowski)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (n, m, d, metric, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] x = [.. Enumerable.Range(0, t.n * t.d).Select(_ => rng.NextDouble() * 10 - 5)];
            double[] y = [.. Enumerable.Range(0, t.m * t.d).Select(_ => rng.NextDouble() * 10 - 5)];
            var cloud = new PointCloudCost(x, y, t.d, t.metric, p: 3);
            int[] cols = [.. Enumerable.Range(0, t.m).Where(_ => rng.Next(4) > 0).DefaultIfEmpty(t.m - 1)];
            CostRows reader = cloud.RowsOver(cols);
            var row = new double[cols.Length];
            for (int i = 0; i < t.n; i++)
            {
                reader.Fill(i, row);
                for (int k = 0; k < cols.Length; k++) Assert.Equal(cloud[i, cols[k]], row[k]);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));

    [Fact]
    public void CloudCoarsening_PoolsNearbyPoints_AndStopsWhenItCannotShrink()
    {
        var rng = new Random(1);
        double[] x = [.. Enumerable.Range(0, 400 * 2).Select(_ => rng.NextDouble())];
        double[] y = [.. Enumerable.Range(0, 300 * 2).Select(_ => rng.NextDouble())];
        Coarsening coarse = new PointCloudCost(x, y, 2).Coarsen()!;
        var c = (PointCloudCost)coarse.Cost;
        Assert.InRange(c.Rows, 20, 300); // about 100 cells of about 4 points
        Assert.Equal(400, coarse.RowParent.Length);
        Assert.Equal(300, coarse.ColParent.Length);
        // Every coarse point is the mean of its points: the cost from each coarse source to
        // coarse target 0 is the squared distance between the means.
        int[] target = [.. Enumerable.Range(0, 300).Where(j => coarse.ColParent[j] == 0)];
        (double tx, double ty) = (target.Average(j => y[2 * j]), target.Average(j => y[2 * j + 1]));
        for (int parent = 0; parent < c.Rows; parent++)
        {
            int[] members = [.. Enumerable.Range(0, 400).Where(i => coarse.RowParent[i] == parent)];
            Assert.NotEmpty(members);
            double sx = members.Average(i => x[2 * i]), sy = members.Average(i => x[2 * i + 1]);
            Assert.Equal((sx - tx) * (sx - tx) + (sy - ty) * (sy - ty), c[parent, 0], 1e-12);
        }
        Assert.Null(new PointCloudCost(new double[] { 0 }, new double[] { 1 }, 1).Coarsen());
    }

    [Fact]
    public void GridCoarsening_PoolsTwoByTwoBlocks_AndIsMadeOnce()
    {
        var grid = new ImageGridCost(5, 3, spacing: 0.5);
        Coarsening coarse = grid.Coarsen()!;
        Assert.Same(coarse, grid.Coarsen());
        var c = (ImageGridCost)coarse.Cost;
        Assert.Equal((3, 2, 1.0), (c.Height, c.Width, c.Spacing));
        // Pixel (r, col) of the 5 x 3 grid belongs to block (r / 2, col / 2) of the 3 x 2 one.
        for (int k = 0; k < 15; k++) Assert.Equal(k / 3 / 2 * 2 + k % 3 / 2, coarse.RowParent[k]);
        Assert.Equal(coarse.RowParent, coarse.ColParent);
        Assert.Null(new ImageGridCost(1, 1).Coarsen());
    }

    [Fact]
    public void DenseCost_HasNoTransform_SoEveryRowIsRead()
    {
        var dense = new DenseCost(new double[] { 1, 2, 3, 4 }, 2, 2);
        Assert.False(dense.RowsOver([0, 1]).TryRowMinima([0.0, 0], [0, 1], new double[2]));
    }
}
