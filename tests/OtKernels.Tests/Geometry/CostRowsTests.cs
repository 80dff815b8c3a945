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
    public void DenseCost_HasNoTransform_SoEveryRowIsRead()
    {
        var dense = new DenseCost(new double[] { 1, 2, 3, 4 }, 2, 2);
        Assert.False(dense.RowsOver([0, 1]).TryRowMinima([0.0, 0], [0, 1], new double[2]));
    }
}
