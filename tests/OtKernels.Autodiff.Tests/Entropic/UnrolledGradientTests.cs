// The Unrolled reverse pass is the exact gradient of a fixed computation (L iterations),
// so finite differences of that same computation must match it closely, converged or not.
// At convergence it must also approach the envelope gradient (Envelope vs Unrolled vs FD).
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

public class UnrolledGradientTests
{
    private const double Step = 1e-6;

    private static double[] Weights(Random rng, int n)
    {
        double[] w = Enumerable.Range(0, n).Select(_ => rng.Next(5) == 0 ? 0 : rng.NextDouble() + 0.2).ToArray();
        if (w.All(v => v == 0)) w[0] = 1;
        double s = w.Sum();
        return w.Select(v => v / s).ToArray();
    }

    private static double[] SumZero(Random rng, double[] w)
    {
        double[] d = w.Select(v => v > 0 ? rng.NextDouble() - 0.5 : 0).ToArray();
        double mean = d.Sum() / w.Count(v => v > 0);
        return w.Select((v, i) => v > 0 ? d[i] - mean : 0).ToArray();
    }

    private static double Dot(double[] u, double[] v) => u.Zip(v, (p, q) => p * q).Sum();

    private static double[] Along(double[] x, double[] d, double t) => x.Select((v, i) => v + t * d[i]).ToArray();

    [Fact]
    public void UnrolledGradients_MatchFiniteDifferencesOfTheSameFixedComputation() => CheckUnrolled(unbalanced: false);

    /// <summary>Unbalanced runs (rho in [0.05, 2], b of mass 1.6): every weight direction.</summary>
    [Fact]
    public void UnbalancedUnrolledGradients_MatchFiniteDifferencesOfTheSameFixedComputation() => CheckUnrolled(unbalanced: true);

    private static void CheckUnrolled(bool unbalanced)
    {
        Prop.ForAll((from n in Gen.Choose(1, 10) from m in Gen.Choose(1, 10) from d in Gen.Choose(1, 3)
                     from iterations in Gen.Choose(1, 40) from seed in Gen.Choose(0, int.MaxValue)
                     select (n, m, d, iterations, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] x = Enumerable.Range(0, t.n * t.d).Select(_ => rng.NextDouble()).ToArray();
            double[] y = Enumerable.Range(0, t.m * t.d).Select(_ => rng.NextDouble()).ToArray();
            double[] a = Weights(rng, t.n), b = Weights(rng, t.m);
            var options = new SinkhornOptions { Epsilon = 0.05 + 0.3 * rng.NextDouble(), MaxIterations = t.iterations, Mode = SinkhornMode.Unrolled };
            if (unbalanced)
            {
                b = b.Select(w => 1.6 * w).ToArray();
                options = options with { MarginalPenalty = 0.05 + 2 * rng.NextDouble() };
            }
            Func<Random, double[], double[]> direction = unbalanced ? (r, w) => w.Select(v => v > 0 ? r.NextDouble() - 0.5 : 0).ToArray() : SumZero;
            double Value(double[] aa, double[] bb, double[] xx, double[] yy) =>
                Sinkhorn.Solve<double>(aa, bb, new PointCloudCost(xx, yy, t.d), options).Value[0];

            var tape = new SinkhornTape<double>();
            var cost = new PointCloudCost(x, y, t.d);
            Sinkhorn.Solve<double>(a, b, cost, options, tape);
            Assert.Equal(t.iterations, tape.Count);
            var da = new double[t.n];
            var db = new double[t.m];
            var dx = new double[x.Length];
            var dy = new double[y.Length];
            SinkhornBackward.UnrolledGradients<double>(tape, cost, a, b, da, db, dx, dy);

            double[] va = direction(rng, a), vb = direction(rng, b);
            double[] vx = x.Select(_ => rng.NextDouble() - 0.5).ToArray(), vy = y.Select(_ => rng.NextDouble() - 0.5).ToArray();
            (double analytic, double fd, string what)[] checks =
            [
                (Dot(da, va), (Value(Along(a, va, Step), b, x, y) - Value(Along(a, va, -Step), b, x, y)) / (2 * Step), "a"),
                (Dot(db, vb), (Value(a, Along(b, vb, Step), x, y) - Value(a, Along(b, vb, -Step), x, y)) / (2 * Step), "b"),
                (Dot(dx, vx), (Value(a, b, Along(x, vx, Step), y) - Value(a, b, Along(x, vx, -Step), y)) / (2 * Step), "x"),
                (Dot(dy, vy), (Value(a, b, x, Along(y, vy, Step)) - Value(a, b, x, Along(y, vy, -Step))) / (2 * Step), "y"),
            ];
            foreach ((double analytic, double fd, string what) in checks)
                Assert.True(Math.Abs(analytic - fd) <= 1e-5 * Math.Max(1e-3, Math.Abs(fd)), $"{t} d/d{what}: unrolled {analytic:R}, FD {fd:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void AtConvergence_UnrolledApproachesEnvelope()
    {
        var rng = new Random(23);
        int n = 8, m = 6;
        double[] x = Enumerable.Range(0, 2 * n).Select(_ => rng.NextDouble()).ToArray();
        double[] y = Enumerable.Range(0, 2 * m).Select(_ => rng.NextDouble()).ToArray();
        double[] a = Weights(rng, n), b = Weights(rng, m);
        var cost = new PointCloudCost(x, y, 2);
        var tape = new SinkhornTape<double>();
        var unrolled = new SinkhornOptions { Epsilon = 0.3, MaxIterations = 400, Mode = SinkhornMode.Unrolled };
        Sinkhorn.Solve<double>(a, b, cost, unrolled, tape);
        var du = new double[2 * n];
        var daU = new double[n];
        var dbU = new double[m];
        SinkhornBackward.UnrolledGradients<double>(tape, cost, a, b, daU, dbU, du, new double[2 * m]);

        SinkhornResult<double> converged = Sinkhorn.Solve<double>(a, b, cost, new SinkhornOptions { Epsilon = 0.3, Tolerance = 1e-14, MaxIterations = 100_000 });
        var de = new double[2 * n];
        var daE = new double[n];
        var dbE = new double[m];
        SinkhornBackward.PositionGradients(converged, 0, cost, de, new double[2 * m]);
        SinkhornBackward.WeightGradients(converged, 0, daE, dbE);
        for (int k = 0; k < de.Length; k++) Assert.Equal(de[k], du[k], 1e-9);
        for (int i = 0; i < n; i++) Assert.Equal(daE[i], daU[i], 1e-9);
    }
}
