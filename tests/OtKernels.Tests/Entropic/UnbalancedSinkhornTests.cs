// Unbalanced Sinkhorn (SinkhornOptions.MarginalPenalty) against three independent
// references: POT's plans and primal values (pot_unbalanced.json, written by
// bench/scripts/pot_unbalanced_fixture.py), the primal objective evaluated on the returned
// plan (strong duality certifies the dual Value), and the balanced solver as rho grows.
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class UnbalancedSinkhornTests
{
    private static SinkhornOptions Options(double epsilon, double rho) =>
        new() { Epsilon = epsilon, MarginalPenalty = rho, Tolerance = 1e-13, MaxIterations = 200_000 };

    private sealed record PotCase(double Eps, double Rho, double[] A, double[] B, double[]? X, double[]? Y, double[]? Cost, double[] Plan, double Primal);

    private static IEnumerable<PotCase> PotCases()
    {
        string path = Path.Combine(RepositoryFiles.Root(), "tests", "OtKernels.Tests", "Entropic", "pot_unbalanced.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (JsonElement c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            double[]? Array(string name) => c.TryGetProperty(name, out JsonElement e) ? e.EnumerateArray().Select(v => v.GetDouble()).ToArray() : null;
            yield return new PotCase(c.GetProperty("eps").GetDouble(), c.GetProperty("rho").GetDouble(), Array("a")!, Array("b")!,
                Array("x"), Array("y"), Array("cost"), Array("plan")!, c.GetProperty("primal").GetDouble());
        }
    }

    private static GroundCost CostOf(PotCase c) =>
        c.Cost is { } dense ? new DenseCost(dense, c.A.Length, c.B.Length) : new PointCloudCost(c.X!, c.Y!, 2);

    [Fact]
    public void PlanAndValue_MatchPot()
    {
        int cases = 0;
        foreach (PotCase c in PotCases())
        {
            SinkhornResult<double> r = Sinkhorn.Solve<double>(c.A, c.B, CostOf(c), Options(c.Eps, c.Rho));
            Assert.Equal(SinkhornStatus.Converged, r.Status[0]);
            double[] plan = r.Plan(0);
            double scale = c.Plan.Max();
            for (int e = 0; e < plan.Length; e++)
                Assert.True(Math.Abs(plan[e] - c.Plan[e]) <= 1e-8 * scale, $"case {cases} entry {e}: {plan[e]:R} vs POT {c.Plan[e]:R}");
            Assert.True(Math.Abs(r.Value[0] - c.Primal) <= 1e-8 * Math.Abs(c.Primal), $"case {cases}: value {r.Value[0]:R} vs POT's primal {c.Primal:R}");
            cases++;
        }
        Assert.Equal(6, cases);
    }

    /// <summary>Weights with unequal sums (and some zeros) on random clouds in the unit square.</summary>
    private static (double[] A, double[] B, PointCloudCost Cost) Problem(int n, int m, int seed, double massB = 1.7)
    {
        var rng = new Random(seed);
        double[] Weights(int k, double mass)
        {
            double[] w = Enumerable.Range(0, k).Select(_ => rng.Next(5) == 0 ? 0 : rng.NextDouble() + 0.1).ToArray();
            if (w.All(v => v == 0)) w[0] = 1;
            double s = w.Sum();
            return w.Select(v => mass * v / s).ToArray();
        }
        double[] x = Enumerable.Range(0, 2 * n).Select(_ => rng.NextDouble()).ToArray();
        double[] y = Enumerable.Range(0, 2 * m).Select(_ => rng.NextDouble()).ToArray();
        return (Weights(n, 1), Weights(m, massB), new PointCloudCost(x, y, 2));
    }

    private static double Kl(double p, double q) => (p > 0 ? p * Math.Log(p / q) : 0) - p + q;

    /// <summary>&lt;P, C&gt; + eps KL(P | a x b) + rho KL(P 1 | a) + rho KL(P^T 1 | b), from the plan alone.</summary>
    private static double Primal(double[] plan, double[] a, double[] b, GroundCost cost, double eps, double rho)
    {
        int n = a.Length, m = b.Length;
        double total = 0;
        var rows = new double[n];
        var cols = new double[m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                if (a[i] == 0 || b[j] == 0) continue;
                double p = plan[i * m + j];
                total += p * cost[i, j] + eps * Kl(p, a[i] * b[j]);
                rows[i] += p;
                cols[j] += p;
            }
        }
        for (int i = 0; i < n; i++) if (a[i] > 0) total += rho * Kl(rows[i], a[i]);
        for (int j = 0; j < m; j++) if (b[j] > 0) total += rho * Kl(cols[j], b[j]);
        return total;
    }

    private static Arbitrary<(int N, int M, int Seed, double Eps, double Rho)> Cases() =>
        (from n in Gen.Choose(1, 15)
         from m in Gen.Choose(1, 15)
         from seed in Gen.Choose(0, int.MaxValue)
         from eps in Gen.Elements(0.02, 0.1, 0.5)
         from rho in Gen.Elements(0.01, 0.3, 2.0, 50.0)
         select (n, m, seed, eps, rho)).ToArbitrary();

    [Fact]
    public void Value_EqualsThePrimalObjectiveOfItsPlan()
    {
        Prop.ForAll(Cases(), t =>
        {
            (double[] a, double[] b, PointCloudCost cost) = Problem(t.N, t.M, t.Seed);
            // Tolerance 1e-11: with rho 50 and mass 1 against 1.7 the potentials reach ~25, whose
            // rounding over eps = 0.02 floors the certifiable error near 1e-12.
            SinkhornResult<double> r = Sinkhorn.Solve<double>(a, b, cost, Options(t.Eps, t.Rho) with { EpsilonScaling = 0.5, Tolerance = 1e-11 });
            Assert.True(r.Status[0] == SinkhornStatus.Converged, $"{t}: {r.Status[0]} after {r.Iterations[0]}, error {r.MarginalError[0]:E2}");
            double primal = Primal(r.Plan(0), a, b, cost, t.Eps, t.Rho);
            Assert.True(Math.Abs(r.Value[0] - primal) <= 1e-8 * Math.Max(1, Math.Abs(primal)), $"{t}: dual {r.Value[0]:R}, primal {primal:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void LargeRho_ReachesTheBalancedSolution()
    {
        Prop.ForAll((from n in Gen.Choose(1, 12) from m in Gen.Choose(1, 12) from seed in Gen.Choose(0, int.MaxValue) select (N: n, M: m, Seed: seed)).ToArbitrary(), t =>
        {
            (double[] a, double[] b, PointCloudCost cost) = Problem(t.N, t.M, t.Seed, massB: 1);
            var balanced = new SinkhornOptions { Epsilon = 0.1, Tolerance = 1e-13, MaxIterations = 200_000 };
            double[] reference = Sinkhorn.Solve<double>(a, b, cost, balanced).Plan(0);
            double value = Sinkhorn.Solve<double>(a, b, cost, balanced).Value[0];
            // The unbalanced plan differs from the balanced one by O(eps / rho) (the damping
            // 1 - kappa), so a thousandfold larger rho brings it a thousandfold closer.
            double Gap(double rho)
            {
                SinkhornResult<double> r = Sinkhorn.Solve<double>(a, b, cost, balanced with { MarginalPenalty = rho });
                Assert.True(Math.Abs(r.Value[0] - value) <= 20 * 0.1 / rho, $"{t} rho {rho}: value {r.Value[0]:R} vs balanced {value:R}");
                return r.Plan(0).Zip(reference, (p, q) => Math.Abs(p - q)).Max();
            }
            double coarse = Gap(1e2), fine = Gap(1e5);
            Assert.True(fine <= 1e-5 && fine <= coarse / 100 + 1e-12, $"{t}: plan gap {coarse:E2} at rho 1e2, {fine:E2} at rho 1e5");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void Divergence_IsPositive_AndZeroOnlyOnEqualMeasures()
    {
        Prop.ForAll(Cases(), t =>
        {
            (double[] a, double[] b, PointCloudCost cost) = Problem(t.N, t.M, t.Seed);
            SinkhornOptions options = Options(t.Eps, t.Rho) with { EpsilonScaling = 0.5 };
            double s = SinkhornDivergence.Solve<double>(a, b, cost, options).Value[0];
            Assert.True(s > 0, $"{t}: S = {s:R}");
            // Equal measures of any mass: zero. Twice the mass on the same points: positive.
            var self = (PointCloudCost)cost.SourceSelfCost()!;
            double[] heavy = a.Select(w => 1.9 * w).ToArray();
            double zero = SinkhornDivergence.Solve<double>(heavy, heavy, self, options).Value[0];
            Assert.True(Math.Abs(zero) <= 1e-10, $"{t}: S(a, a) = {zero:R}");
            double scaled = SinkhornDivergence.Solve<double>(a, heavy, self, options).Value[0];
            Assert.True(scaled > 0, $"{t}: S(a, 1.9 a) = {scaled:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void PlantedExample_DestroysTheFarMass_AndSolvesTheNearPairInClosedForm()
    {
        // Sources at 0 and 10 on a line, mass 1 each; one target at 0.1 of mass 4. Moving the
        // far source costs 98 against rho = 1: it is destroyed. The near pair's entry P solves
        // its first-order condition C + eps log(P / 4) + rho log(P / 1) + rho log(P / 4) = 0
        // (row and column marginal both P, the far entry negligible), so
        //     log P = ((rho + eps) log 4 - C) / (2 rho + eps):
        // mass is destroyed at the target (P < 4) and created at the source (P > 1).
        double[] a = [1, 1], b = [4];
        double eps = 0.01, rho = 1, c = 0.01;
        var cost = new PointCloudCost(new double[] { 0, 10 }, new double[] { 0.1 }, 1);
        // The far source's potential (~98) over eps floors the certifiable error near 4e-12.
        SinkhornResult<double> r = Sinkhorn.Solve<double>(a, b, cost, Options(eps, rho) with { Tolerance = 1e-11 });
        Assert.Equal(SinkhornStatus.Converged, r.Status[0]);
        double[] plan = r.Plan(0);
        Assert.True(plan[1] < 1e-20, $"far source sends {plan[1]:E2}");
        double expected = Math.Exp(((rho + eps) * Math.Log(4) - c) / (2 * rho + eps));
        Assert.True(Math.Abs(plan[0] - expected) <= 1e-10 * expected, $"near pair {plan[0]:R}, closed form {expected:R}");
        Assert.InRange(plan[0], 1.5, 2.5);
    }

    [Fact]
    public void EveryGeometry_GivesTheSameUnbalancedSolution()
    {
        // An image grid (separable soft-min), the same grid as point clouds and as a dense
        // matrix: one problem, three geometries, one answer.
        Prop.ForAll((from h in Gen.Choose(1, 6) from w in Gen.Choose(1, 6) from seed in Gen.Choose(0, int.MaxValue) select (h, w, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            int n = t.h * t.w;
            double[] a = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray(), b = Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble()).ToArray();
            var grid = new ImageGridCost(t.h, t.w);
            double[] pixels = Enumerable.Range(0, n).SelectMany(k => new double[] { k / t.w, k % t.w }).ToArray();
            var clouds = new PointCloudCost(pixels, pixels, 2);
            var dense = new DenseCost(Enumerable.Range(0, n * n).Select(e => clouds[e / n, e % n]).ToArray(), n, n);
            SinkhornOptions options = Options(1.5, 3) with { Tolerance = 1e-11 };
            double[] values = [.. new GroundCost[] { grid, clouds, dense }.Select(cost => Sinkhorn.Solve<double>(a, b, cost, options).Value[0])];
            Assert.True(Math.Abs(values[0] - values[2]) <= 1e-9 * Math.Abs(values[2]) && Math.Abs(values[1] - values[2]) <= 1e-9 * Math.Abs(values[2]),
                $"{t}: grid {values[0]:R}, clouds {values[1]:R}, dense {values[2]:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    [Fact]
    public void BadMarginalPenalty_AndBadMasses_AreNamed()
    {
        double[] a = [1, 2], b = [3];
        var cost = new PointCloudCost(new double[] { 0, 1 }, new double[] { 0.5 }, 1);
        foreach (double rho in (double[])[0, -1, double.NaN])
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sinkhorn.Solve<double>(a, b, cost, Options(0.1, rho)));
            Assert.Equal("MarginalPenalty", e.ParamName);
        }
        var negative = Assert.Throws<ArgumentException>(() => Sinkhorn.SolveBatch<double>(new double[] { 1, 2, 1, -1 }, new double[] { 3, 3 }, cost, Options(0.1, 1)));
        Assert.Contains("problem 1's a[1] is -1", negative.Message);
        // Balanced transport still refuses unequal sums.
        Assert.Throws<ArgumentException>(() => Sinkhorn.Solve<double>(a, new double[] { 4 }, cost, Options(0.1, double.PositiveInfinity)));
    }
}
