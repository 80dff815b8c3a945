using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

/// <summary>Grid problems cropped to the windows around their mass (GridWindowCost,
/// Sinkhorn.SolveCropped) against the whole-grid reference: the soft-min between windows
/// against the direct log-sum-exp, and the cropped solve against the dense one.</summary>
public class GridWindowTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(60);

    private static GridWindow RandomWindow(Random rng, int height, int width)
    {
        int top = rng.Next(height), left = rng.Next(width);
        return new GridWindow(top, left, 1 + rng.Next(height - top), 1 + rng.Next(width - left));
    }

    /// <summary>-eps LSE_(j in from) (h_j - C(o, j)/eps) for each o in to, by the definition.</summary>
    private static double[] DirectSoftMin(ImageGridCost grid, double eps, double[] h, GridWindow from, GridWindow to)
    {
        var result = new double[to.Count];
        for (int o = 0; o < to.Count; o++)
        {
            int pixelO = (to.Top + o / to.Width) * grid.Width + to.Left + o % to.Width;
            double[] terms = new double[from.Count];
            for (int j = 0; j < from.Count; j++)
            {
                int pixelJ = (from.Top + j / from.Width) * grid.Width + from.Left + j % from.Width;
                terms[j] = h[j] - grid[pixelO, pixelJ] / eps;
            }
            double max = terms.Max();
            result[o] = double.IsNegativeInfinity(max) ? double.PositiveInfinity : -eps * (max + Math.Log(terms.Sum(v => Math.Exp(v - max))));
        }
        return result;
    }

    [Fact]
    public void WindowSoftMin_EqualsTheDirectSoftMin_BetweenAnyTwoWindows()
    {
        // Moderate potentials (the shifted products) and potentials spread over hundreds of
        // units at small eps (sums under the format's range, recomputed exactly), in double.
        Prop.ForAll((from h in Gen.Choose(1, 14) from w in Gen.Choose(1, 14) from spread in Gen.Elements(3.0, 800.0) from seed in Gen.Choose(0, int.MaxValue)
                     select (h, w, spread, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.h, t.w, 0.5 + rng.NextDouble());
            GridWindow from = RandomWindow(rng, t.h, t.w), to = RandomWindow(rng, t.h, t.w);
            double eps = grid.MaxCost() == 0 ? 1 : grid.MaxCost() * Math.Pow(10, -1 - 3 * rng.NextDouble());
            double[] potential = Enumerable.Range(0, from.Count).Select(_ => rng.NextDouble() < 0.3 ? double.NegativeInfinity : t.spread * rng.NextDouble()).ToArray();
            potential[rng.Next(from.Count)] = t.spread;
            double[] expected = DirectSoftMin(grid, eps, potential, from, to);
            var actual = new double[to.Count];
            grid.WindowSoftMin(eps, potential, from, actual, to, new SoftMinWorkspace<double>());
            for (int o = 0; o < to.Count; o++)
                Assert.True(Math.Abs(actual[o] - expected[o]) <= 1e-12 * (1 + Math.Abs(expected[o])), $"{t} {from} -> {to} eps {eps} [{o}]: {actual[o]:R} vs {expected[o]:R}");
        }).Check(Quick);
    }

    [Fact]
    public void Solve_OnMeasuresWithEmptyBorders_EqualsTheDenseSolve_AndExtendsThePotentialsBySoftMin()
    {
        // Each measure lives in a random window of the grid (with zeros inside it too); the
        // cropped solve must give the dense solve's value, and outside the mass its potentials
        // must be the c-transforms of the other side's: f_i = -eps log sum_j b_j exp((g_j - C_ij)/eps).
        Prop.ForAll((from h in Gen.Choose(2, 10) from w in Gen.Choose(2, 10) from unbalanced in Gen.Elements(false, true) from seed in Gen.Choose(0, int.MaxValue)
                     select (h, w, unbalanced, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.h, t.w);
            var dense = ReferenceCost.Of(grid);
            double[] a = Masses(rng, grid, RandomWindow(rng, t.h, t.w)), b = Masses(rng, grid, RandomWindow(rng, t.h, t.w));
            if (!t.unbalanced) b = b.Select(v => v * a.Sum() / b.Sum()).ToArray();
            var options = new SinkhornOptions
            {
                Epsilon = 0.05 + grid.MaxCost() * 0.05 * rng.NextDouble(), Tolerance = 1e-11, MaxIterations = 100_000,
                MarginalPenalty = t.unbalanced ? 0.5 + rng.NextDouble() : double.PositiveInfinity,
            };
            SinkhornResult<double> cropped = Sinkhorn.Solve<double>(a, b, grid, options), reference = Sinkhorn.Solve<double>(a, b, dense, options);
            Assert.Equal(SinkhornStatus.Converged, cropped.Status[0]);
            Assert.True(Math.Abs(cropped.Value[0] - reference.Value[0]) <= 1e-8 * (1 + Math.Abs(reference.Value[0])), $"{t}: {cropped.Value[0]:R} vs {reference.Value[0]:R}");
            double kappa = options.Damping(options.Epsilon);
            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] > 0) continue;
                double expected = kappa * CTransform(dense, b, cropped.G, options.Epsilon, i, overColumns: true);
                Assert.True(Math.Abs(cropped.F[i] - expected) <= 1e-10 * (1 + Math.Abs(expected)), $"{t} f[{i}]: {cropped.F[i]:R} vs {expected:R}");
            }
            for (int j = 0; j < b.Length; j++)
            {
                if (b[j] > 0) continue;
                double expected = kappa * CTransform(dense, a, cropped.F, options.Epsilon, j, overColumns: false);
                Assert.True(Math.Abs(cropped.G[j] - expected) <= 1e-10 * (1 + Math.Abs(expected)), $"{t} g[{j}]: {cropped.G[j]:R} vs {expected:R}");
            }
        }).Check(Quick);
    }

    [Fact]
    public void Divergence_OnMeasuresWithEmptyBorders_EqualsTheDenseDivergence()
    {
        // The self-terms are cropped too (one window for both sides).
        Prop.ForAll((from h in Gen.Choose(2, 9) from w in Gen.Choose(2, 9) from seed in Gen.Choose(0, int.MaxValue) select (h, w, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.h, t.w);
            double[] a = Masses(rng, grid, RandomWindow(rng, t.h, t.w)), b = Masses(rng, grid, RandomWindow(rng, t.h, t.w));
            b = b.Select(v => v * a.Sum() / b.Sum()).ToArray();
            var options = new SinkhornOptions { Epsilon = 0.1 + rng.NextDouble(), Tolerance = 1e-11, MaxIterations = 100_000 };
            var dense = new DenseSelfCosts(ReferenceCost.Of(grid));
            double cropped = SinkhornDivergence.Solve<double>(a, b, grid, options).Value[0];
            double reference = SinkhornDivergence.Solve<double>(a, b, dense, options).Value[0];
            Assert.True(Math.Abs(cropped - reference) <= 1e-8 * (1 + Math.Abs(reference)), $"{t}: {cropped:R} vs {reference:R}");
        }).Check(Quick);
    }

    /// <summary>Positive masses at random pixels of the window (a random 10-90% of them, at
    /// least one), zero elsewhere: runs of zero pixels inside the window too, whose soft-mins
    /// the solver skips.</summary>
    private static double[] Masses(Random rng, ImageGridCost grid, GridWindow window)
    {
        var masses = new double[grid.Rows];
        double share = 0.1 + 0.8 * rng.NextDouble();
        for (int r = window.Top; r < window.Top + window.Height; r++)
            for (int c = window.Left; c < window.Left + window.Width; c++)
                if (rng.NextDouble() < share) masses[r * grid.Width + c] = 0.1 + rng.NextDouble();
        masses[(window.Top + rng.Next(window.Height)) * grid.Width + window.Left + rng.Next(window.Width)] += 1;
        return masses;
    }

    /// <summary>-eps log sum_k w_k exp((p_k - C)/eps) at index i of the other side, by the definition.</summary>
    private static double CTransform(GroundCost cost, double[] w, double[] p, double eps, int i, bool overColumns)
    {
        double[] terms = Enumerable.Range(0, w.Length)
            .Select(k => w[k] > 0 ? Math.Log(w[k]) + (p[k] - (overColumns ? cost[i, k] : cost[k, i])) / eps : double.NegativeInfinity).ToArray();
        double max = terms.Max();
        return -eps * (max + Math.Log(terms.Sum(v => Math.Exp(v - max))));
    }

    /// <summary>A dense cost that is its own self-cost (the grid's symmetric matrix), so that the
    /// divergence can run on it.</summary>
    private sealed class DenseSelfCosts(ReferenceCost values) : GroundCost(values.Rows, values.Cols)
    {
        public override double this[int i, int j] => values[i, j];
        public override GroundCost SourceSelfCost() => this;
        public override GroundCost TargetSelfCost() => this;
    }
}
