// The envelope gradients of entropic (fused) GW against central differences of the solver's
// own objective, along random symmetric directions of the structure matrices and random
// directions of the feature cost, for both losses.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

public class GromovWassersteinGradientTests
{
    private const double Step = 1e-5;

    private static double[] Distances(Random rng, int n, int d, double shift)
    {
        double[] x = Enumerable.Range(0, n * d).Select(_ => rng.NextDouble()).ToArray();
        var c = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                c[i * n + k] = shift + Math.Sqrt(Enumerable.Range(0, d).Sum(t => (x[i * d + t] - x[k * d + t]) * (x[i * d + t] - x[k * d + t])));
        return c;
    }

    private static double[] Weights(Random rng, int n)
    {
        double[] w = Enumerable.Range(0, n).Select(_ => rng.NextDouble() + 0.3).ToArray();
        double s = w.Sum();
        return w.Select(v => v / s).ToArray();
    }

    private static double[] SymmetricDirection(Random rng, int n)
    {
        var v = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int k = i; k < n; k++) v[i * n + k] = v[k * n + i] = rng.NextDouble() - 0.5;
        return v;
    }

    private static double Dot(double[] u, double[] v) => u.Zip(v, (a, b) => a * b).Sum();

    private static double[] Along(double[] x, double[] d, double t) => x.Select((v, i) => v + t * d[i]).ToArray();

    [Fact]
    public void StructureAndFeatureGradients_MatchFiniteDifferencesOfTheObjective()
    {
        Arbitrary<(int n, int m, int seed, bool kl, double alpha)> cases =
            (from n in Gen.Choose(1, 7) from m in Gen.Choose(1, 7) from seed in Gen.Choose(0, int.MaxValue)
             from kl in Gen.Elements(false, true) from alpha in Gen.Elements(1.0, 0.4) select (n, m, seed, kl, alpha)).ToArbitrary();
        Property property = Prop.ForAll(cases, t =>
        {
            var rng = new Random(t.seed);
            double shift = t.kl ? 0.2 : 0; // the KL loss takes log C2
            double[] c1 = Distances(rng, t.n, 2, shift), c2 = Distances(rng, t.m, 2, shift);
            // Unequal masses: with uniform ones a symmetric space (two points, say) keeps the
            // start p q^T's symmetry to a saddle, which a perturbation of the diagonal leaves.
            double[] p = Weights(rng, t.n), q = Weights(rng, t.m);
            double[] features = Enumerable.Range(0, t.n * t.m).Select(_ => rng.NextDouble()).ToArray();
            // The outer iteration contracts linearly, at a rate that nears 1 as a problem nears
            // a bifurcation of its fixed points: of 3,000 generated cases the median converged
            // in 28 steps and the slowest in 673, but one seen in CI needed 1,407 (rate 0.984),
            // past the default 1,000. The tail thins like 1/steps, so 100,000 leaves about one
            // run in 3,000 to a case this slow.
            var options = new GromovWassersteinOptions
            {
                Epsilon = 0.1, Loss = t.kl ? GromovLoss.KL : GromovLoss.Square, Tolerance = 1e-13, MaxIterations = 100_000,
            };
            GromovWassersteinResult Solve(double[] a, double[] b, double[] m) =>
                t.alpha == 1 ? GromovWasserstein.Solve(p, q, a, b, options) : GromovWasserstein.SolveFused(p, q, a, b, m, t.alpha, options);
            GromovWassersteinResult result = Solve(c1, c2, features);
            Assert.Equal(GromovWassersteinStatus.Converged, result.Status);
            var d1 = new double[t.n * t.n];
            var d2 = new double[t.m * t.m];
            GromovWassersteinBackward.StructureGradients(result, d1, d2);

            double[] v1 = SymmetricDirection(rng, t.n), v2 = SymmetricDirection(rng, t.m);
            double[] vm = features.Select(_ => rng.NextDouble() - 0.5).ToArray();
            (double analytic, double fd, string what)[] checks =
            [
                (Dot(d1, v1), (Solve(Along(c1, v1, Step), c2, features).Objective - Solve(Along(c1, v1, -Step), c2, features).Objective) / (2 * Step), "C1"),
                (Dot(d2, v2), (Solve(c1, Along(c2, v2, Step), features).Objective - Solve(c1, Along(c2, v2, -Step), features).Objective) / (2 * Step), "C2"),
                (Dot(GromovWassersteinBackward.FeatureGradient(result), vm),
                    t.alpha == 1 ? 0 : (Solve(c1, c2, Along(features, vm, Step)).Objective - Solve(c1, c2, Along(features, vm, -Step)).Objective) / (2 * Step), "M"),
            ];
            foreach ((double analytic, double fd, string what) in checks)
                Assert.True(Math.Abs(analytic - fd) <= 1e-5 * Math.Max(1e-3, Math.Abs(fd)), $"{t} d/d{what}: envelope {analytic:R}, FD {fd:R}");
        });
        // The slow case above, (4, 5, 140606191, square, alpha 1), then fresh ones.
        property.Check(Config.QuickThrowOnFailure.WithReplay(9850989091888931109UL, 14762276494881383497UL, 44).WithMaxTest(1));
        property.Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }
}
