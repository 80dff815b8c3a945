// Converged is a promise about the plan a user rebuilds from the returned potentials:
// P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps), rebuilt here in double, has marginals within
// Tolerance x mass (plus the rebuild's own rounding). Epsilon from 1e-1 down to 1e-30 of the
// largest cost, float and double, dense, point-cloud and grid costs, OT and the divergence's
// three problems. Before the precision floor, eps = 1e-20 C_max reported Converged with a
// marginal error of 0 and row sums [0.05, 0.05, 0.15, 0.05, 2e-303] against 0.2 each.
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class SinkhornPrecisionTests
{
    private static readonly Config Cases = Config.QuickThrowOnFailure.WithMaxTest(150);

    public sealed record Case(int Seed, int Geometry, bool Float, bool Divergence, double Relative, double Scale)
    {
        public override string ToString() =>
            $"seed {Seed}, {(Geometry == 0 ? "dense" : Geometry == 1 ? "clouds" : "grid")}, {(Float ? "float" : "double")}, "
            + $"{(Divergence ? "divergence" : "OT")}, eps = {Relative:G3} C_max, costs x {Scale:G3}";
    }

    private static Arbitrary<Case> Generate() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from geometry in Gen.Choose(0, 2)
         from single in Gen.Elements(false, true)
         from divergence in Gen.Elements(false, true)
         from exponent in Gen.Choose(10, 300)
         from scale in Gen.Elements(1.0, 1e-6, 1e6, 1e18)
         select new Case(seed, geometry, single, divergence && geometry != 0, Math.Pow(10, -exponent / 10.0), scale)).ToArbitrary();

    [Fact]
    public void Converged_MeansTheRebuiltPlanHasTheStatedMarginals() => Prop.ForAll(Generate(), Check).Check(Cases);

    [Theory]
    [InlineData(1, 1, false, false, 1e-20, 1.0)]   // the report's 5 x 4 problem class
    [InlineData(2, 1, false, false, 1e-3, 1e18)]   // costs scaled by 1e18: transport cost was Infinity with Converged
    [InlineData(3, 1, false, true, 1e-18, 1.0)]    // the divergence below W
    [InlineData(4, 0, true, false, 1e-10, 1.0)]    // float from 1e-10 C_max down
    public void Regression(int seed, int geometry, bool single, bool divergence, double relative, double scale) =>
        Check(new Case(seed, geometry, single, divergence, relative, scale));

    private static void Check(Case c)
    {
        var rng = new Random(c.Seed);
        (GroundCost cost, int n, int m) = Geometry(c, rng);
        double[] a = Weights(rng, n), b = Weights(rng, m);
        var options = new SinkhornOptions { Epsilon = c.Relative * cost.MaxCost(), Tolerance = 1e-5, EpsilonScaling = 0.5, MaxIterations = 500 };
        if (c.Float) Check<float>(c, cost, a, b, options);
        else Check<double>(c, cost, a, b, options);
    }

    private static void Check<T>(Case c, GroundCost cost, double[] a, double[] b, SinkhornOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] at = a.Select(T.CreateTruncating).ToArray(), bt = b.Select(T.CreateTruncating).ToArray();
        if (!c.Divergence)
        {
            SinkhornResult<T> r = Sinkhorn.SolveBatch<T>(at, bt, cost, options);
            Promise(c, "OT", r.Status[0], r.Value[0], r.MarginalError[0], cost, r.AOf(0), r.FOf(0), r.BOf(0), r.GOf(0), options);
            return;
        }
        SinkhornDivergenceResult<T> d = SinkhornDivergence.SolveBatch<T>(at, bt, cost, options);
        SinkhornResult<T> x = d.Cross;
        Promise(c, "cross", x.Status[0], x.Value[0], x.MarginalError[0], cost, x.AOf(0), x.FOf(0), x.BOf(0), x.GOf(0), options);
        Promise(c, "self a", d.SelfStatusA[0], d.SelfValueA[0], d.SelfMarginalErrorA[0], cost.SourceSelfCost()!, x.AOf(0), d.FSelfA, x.AOf(0), d.FSelfA, options);
        Promise(c, "self b", d.SelfStatusB[0], d.SelfValueB[0], d.SelfMarginalErrorB[0], cost.TargetSelfCost()!, x.BOf(0), d.FSelfB, x.BOf(0), d.FSelfB, options);
    }

    private static void Promise<T>(Case c, string term, SinkhornStatus status, double value, double error, GroundCost cost,
        ReadOnlySpan<T> a, ReadOnlySpan<T> f, ReadOnlySpan<T> b, ReadOnlySpan<T> g, SinkhornOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(error > 0 || status != SinkhornStatus.PrecisionLimit, $"{c}, {term}: PrecisionLimit with a zero error bound");
        if (status != SinkhornStatus.Converged) return;
        Assert.True(double.IsFinite(value), $"{c}, {term}: Converged with value {value}");
        int n = a.Length, m = b.Length;
        var rows = new double[n];
        var cols = new double[m];
        double mass = 0, maxF = 0, maxG = 0, eps = options.Epsilon;
        for (int i = 0; i < n; i++) { mass += double.CreateTruncating(a[i]); if (a[i] > T.Zero) maxF = Math.Max(maxF, Math.Abs(double.CreateTruncating(f[i]))); }
        for (int j = 0; j < m; j++) if (b[j] > T.Zero) maxG = Math.Max(maxG, Math.Abs(double.CreateTruncating(g[j])));
        for (int i = 0; i < n; i++)
        {
            double ai = double.CreateTruncating(a[i]);
            if (ai == 0) continue;
            for (int j = 0; j < m; j++)
            {
                double bj = double.CreateTruncating(b[j]);
                if (bj == 0) continue;
                double p = ai * bj * Math.Exp((double.CreateTruncating(f[i]) + double.CreateTruncating(g[j]) - cost[i, j]) / eps);
                rows[i] += p;
                cols[j] += p;
            }
        }
        double rowError = 0, colError = 0;
        for (int i = 0; i < n; i++) rowError += Math.Abs(rows[i] - double.CreateTruncating(a[i]));
        for (int j = 0; j < m; j++) colError += Math.Abs(cols[j] - double.CreateTruncating(b[j]));
        // The rebuild's own rounding, in double: a few ulps of each exponent's terms over eps.
        double rebuild = 4 * Math.ScaleB(1, -53) * (maxF + maxG + cost.MaxCost()) / eps * mass + 1e-15 * mass;
        double promised = options.Tolerance * mass + rebuild;
        Assert.True(rowError <= promised && colError <= promised,
            $"{c}, {term}: Converged (error {error:G3}) but the rebuilt plan's marginals are off by {rowError:G3} (rows), {colError:G3} (columns); promised {promised:G3}");
    }

    private static (GroundCost Cost, int N, int M) Geometry(Case c, Random rng)
    {
        int n = 2 + rng.Next(9), m = 2 + rng.Next(9);
        double[] Points(int count) => Enumerable.Range(0, count * 2).Select(_ => rng.NextDouble() * Math.Sqrt(c.Scale)).ToArray();
        switch (c.Geometry)
        {
            case 0:
                return (new DenseCost(Enumerable.Range(0, n * m).Select(_ => rng.NextDouble() * c.Scale).ToArray(), n, m), n, m);
            case 1:
                return (new PointCloudCost(Points(n), Points(m), 2), n, m);
            default:
                int side = 2 + rng.Next(4);
                return (new ImageGridCost(side, side), side * side, side * side);
        }
    }

    private static double[] Weights(Random rng, int count)
    {
        double[] w = Enumerable.Range(0, count).Select(_ => rng.NextDouble() < 0.15 ? 0 : 0.1 + rng.NextDouble()).ToArray();
        if (w.Sum() == 0) w[0] = 1;
        double s = w.Sum();
        return w.Select(v => v / s).ToArray();
    }
}
