// Entropic (fused) Gromov–Wasserstein against POT (pot_gromov.json, written by
// bench/scripts/pot_gromov_fixture.py), against its own definition (the O(n^2 m + n m^2)
// tensor against the n^2 m^2 sum), and against the invariances GW must have.
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class GromovWassersteinTests
{
    private sealed record PotCase(GromovLoss Loss, double Eps, double[] P, double[] Q, double[] C1, double[] C2, double[]? Features, double Alpha, double Value);

    private static IEnumerable<PotCase> PotCases()
    {
        string path = Path.Combine(RepositoryFiles.Root(), "tests", "OtKernels.Tests", "Entropic", "pot_gromov.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (JsonElement c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            double[]? Array(string name) => c.TryGetProperty(name, out JsonElement e) ? e.EnumerateArray().Select(v => v.GetDouble()).ToArray() : null;
            GromovLoss loss = c.GetProperty("loss").GetString() == "kl_loss" ? GromovLoss.KL : GromovLoss.Square;
            double alpha = c.TryGetProperty("alpha", out JsonElement a) ? a.GetDouble() : 1;
            yield return new PotCase(loss, c.GetProperty("eps").GetDouble(), Array("p")!, Array("q")!, Array("c1")!, Array("c2")!, Array("features"), alpha,
                c.GetProperty("value").GetDouble());
        }
    }

    [Fact]
    public void Value_MatchesPot_PlainAndFused_SquareAndKl()
    {
        int cases = 0;
        foreach (PotCase c in PotCases())
        {
            var options = new GromovWassersteinOptions { Epsilon = c.Eps, Loss = c.Loss };
            GromovWassersteinResult r = c.Features is null
                ? GromovWasserstein.Solve(c.P, c.Q, c.C1, c.C2, options)
                : GromovWasserstein.SolveFused(c.P, c.Q, c.C1, c.C2, c.Features, c.Alpha, options);
            Assert.Equal(GromovWassersteinStatus.Converged, r.Status);
            Assert.True(Math.Abs(r.Value - c.Value) <= 1e-6 * Math.Max(1e-3, Math.Abs(c.Value)), $"case {cases} ({c.Loss}, alpha {c.Alpha}): {r.Value:R} vs POT {c.Value:R}");
            cases++;
        }
        Assert.Equal(7, cases);
    }

    /// <summary>n points in R^d and their Euclidean distance matrix.</summary>
    private static (double[] Points, double[] Distances) Cloud(Random rng, int n, int d)
    {
        double[] x = Enumerable.Range(0, n * d).Select(_ => rng.NextDouble()).ToArray();
        return (x, Distances(x, n, d));
    }

    private static double[] Distances(double[] x, int n, int d)
    {
        var c = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                c[i * n + k] = Math.Sqrt(Enumerable.Range(0, d).Sum(t => (x[i * d + t] - x[k * d + t]) * (x[i * d + t] - x[k * d + t])));
        return c;
    }

    private static double[] Weights(Random rng, int n)
    {
        double[] w = Enumerable.Range(0, n).Select(_ => rng.NextDouble() + 0.2).ToArray();
        double s = w.Sum();
        return w.Select(v => v / s).ToArray();
    }

    [Fact]
    public void Value_IsTheFourIndexSumOfItsPlan()
    {
        Prop.ForAll((from n in Gen.Choose(1, 7) from m in Gen.Choose(1, 7) from seed in Gen.Choose(0, int.MaxValue)
                     from kl in Gen.Elements(false, true) select (n, m, seed, kl)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] c1 = Cloud(rng, t.n, 2).Distances.Select(v => v + (t.kl ? 0.1 : 0)).ToArray();
            double[] c2 = Cloud(rng, t.m, 3).Distances.Select(v => v + (t.kl ? 0.1 : 0)).ToArray();
            double[] p = Weights(rng, t.n), q = Weights(rng, t.m);
            GromovLoss loss = t.kl ? GromovLoss.KL : GromovLoss.Square;
            GromovWassersteinResult r = GromovWasserstein.Solve(p, q, c1, c2, new GromovWassersteinOptions { Epsilon = 0.05, Loss = loss });
            double sum = 0;
            for (int i = 0; i < t.n; i++)
                for (int j = 0; j < t.m; j++)
                    for (int k = 0; k < t.n; k++)
                        for (int l = 0; l < t.m; l++)
                        {
                            double a = c1[i * t.n + k], b = c2[j * t.m + l];
                            double pointLoss = t.kl ? a * Math.Log(a / b) - a + b : (a - b) * (a - b);
                            sum += pointLoss * r.Plan[i * t.m + j] * r.Plan[k * t.m + l];
                        }
            // The decomposition uses p and q for the plan's marginals, exact to the inner tolerance.
            Assert.True(Math.Abs(r.Value - sum) <= 1e-9 * Math.Max(1, Math.Abs(sum)), $"{t}: {r.Value:R} vs the four-index sum {sum:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void Value_IsInvariantToRotatingAndPermutingAPointCloud()
    {
        Prop.ForAll((from n in Gen.Choose(2, 9) from m in Gen.Choose(2, 9) from seed in Gen.Choose(0, int.MaxValue) select (n, m, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            (double[] x, double[] c1) = Cloud(rng, t.n, 2);
            (_, double[] c2) = Cloud(rng, t.m, 2);
            double[] p = Weights(rng, t.n), q = Weights(rng, t.m);
            var options = new GromovWassersteinOptions { Epsilon = 0.05 };
            double value = GromovWasserstein.Solve(p, q, c1, c2, options).Value;
            // Rotate x by a random angle, translate it, and list its points in a random order (with their masses).
            double angle = 2 * Math.PI * rng.NextDouble();
            int[] order = Enumerable.Range(0, t.n).OrderBy(_ => rng.Next()).ToArray();
            var moved = new double[2 * t.n];
            for (int i = 0; i < t.n; i++)
            {
                double u = x[2 * order[i]], v = x[2 * order[i] + 1];
                moved[2 * i] = Math.Cos(angle) * u - Math.Sin(angle) * v + 3;
                moved[2 * i + 1] = Math.Sin(angle) * u + Math.Cos(angle) * v - 1;
            }
            double[] movedP = order.Select(i => p[i]).ToArray();
            double other = GromovWasserstein.Solve(movedP, q, Distances(moved, t.n, 2), c2, options).Value;
            Assert.True(Math.Abs(value - other) <= 1e-9 * Math.Max(1, value), $"{t}: {value:R} before, {other:R} after");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void ASpaceAgainstItself_IsNearZeroAtSmallEpsilon_AndMoreStartsNeverDoWorse()
    {
        var rng = new Random(5);
        (_, double[] c) = Cloud(rng, 10, 2);
        double[] p = Weights(rng, 10);
        double scale = c.Max() * c.Max(); // the square loss's unit
        foreach (double eps in new[] { 1e-2, 3e-3 })
        {
            var options = new GromovWassersteinOptions { Epsilon = eps * scale, Initializations = 6, Seed = 1 };
            GromovWassersteinResult several = GromovWasserstein.Solve(p, p, c, c, options);
            GromovWassersteinResult one = GromovWasserstein.Solve(p, p, c, c, options with { Initializations = 1 });
            Assert.True(several.Objective <= one.Objective + 1e-12, $"eps {eps}: {several.Objective:R} with 6 starts, {one.Objective:R} with 1");
            // The identity coupling has GW 0 and entropic objective eps KL(diag p | p p^T) = eps H(p);
            // the optimum is no worse, so its GW value is at most that.
            double entropy = -p.Sum(w => w * Math.Log(w));
            Assert.True(several.Value <= eps * scale * entropy + 1e-12, $"eps {eps}: GW(X, X) = {several.Value:R} > eps H(p) = {eps * scale * entropy:R}");
        }
    }

    /// <summary>A seeded random start is the same coupling in every process (a seed from
    /// HashCode.Combine, randomised per process, was not): its entries as one process
    /// computed them.</summary>
    [Fact]
    public void RandomStarts_AreTheSameInEveryProcess()
    {
        var problem = GromovWasserstein.Prepared.Of(new GromovWassersteinProblem([0.25, 0.75], [0.5, 0.5], [0, 1, 1, 0], [0, 2, 2, 0]), GromovLoss.Square);
        double[] start = GromovWasserstein.StartingCoupling(problem, new GromovWassersteinOptions { Epsilon = 0.1, Seed = 7 }, 1, new SinkhornWorkspace<double>());
        double[] expected = [0.04203916337155885, 0.20796083662844103, 0.4579608366284412, 0.2920391633715588];
        for (int e = 0; e < 4; e++) Assert.True(Math.Abs(start[e] - expected[e]) <= 1e-12, $"entry {e}: {start[e]:R}, expected {expected[e]:R}");
    }

    [Fact]
    public void BadInput_IsNamed()
    {
        double[] p = [0.5, 0.5], q = [1.0], c1 = [0, 1, 1, 0], c2 = [0.0];
        var options = new GromovWassersteinOptions { Epsilon = 0.1 };
        Assert.Contains("C1 has length 3", Assert.Throws<ArgumentException>(() => GromovWasserstein.Solve(p, q, [0, 1, 1], c2, options)).Message);
        Assert.Contains("p sums to 1 and q to 2", Assert.Throws<ArgumentException>(() => GromovWasserstein.Solve(p, [2.0], c1, c2, options)).Message);
        Assert.Contains("C2[0, 0] is -1; the KL loss needs C2 >= 0",
            Assert.Throws<ArgumentException>(() => GromovWasserstein.Solve(p, q, c1, [-1.0], options with { Loss = GromovLoss.KL })).Message);
        Assert.Contains("C1[0, 1] is 1 but C1[1, 0] is 2; structure matrices must be symmetric",
            Assert.Throws<ArgumentException>(() => GromovWasserstein.Solve(p, q, [0, 1, 2, 0], c2, options)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GromovWasserstein.SolveFused(p, q, c1, c2, [1.0, 2.0], 1.5, options));
        Assert.Throws<ArgumentOutOfRangeException>("Initializations", () => GromovWasserstein.Solve(p, q, c1, c2, options with { Initializations = 0 }));
        var batch = Assert.Throws<ArgumentException>(() => GromovWasserstein.SolveBatch(
            [new GromovWassersteinProblem(p, q, c1, c2), new GromovWassersteinProblem(p, q, c1, [double.NaN])], options));
        Assert.StartsWith("Problem 1 of the batch", batch.Message);
    }
}
