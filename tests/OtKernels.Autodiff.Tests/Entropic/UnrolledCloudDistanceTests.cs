// The clouds' entropic distance against independent references: its forward against the
// engine's Unrolled Sinkhorn and divergence (other code, same computation), its gradient
// against central finite differences of itself (every reading and metric, FsCheck shapes),
// and, for OT_eps after many iterations, against the envelope gradient at convergence. The
// Envelope option against the engine's plan gradient (any L) and the unrolled gradient (at
// convergence).
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

public class UnrolledCloudDistanceTests
{
    private static float[] Points(Random rng, int count, double scale) =>
        Enumerable.Range(0, count).Select(_ => (float)(scale * (rng.NextDouble() - 0.5))).ToArray();

    private static double[] Uniform(int count) => Enumerable.Repeat(1.0 / count, count).ToArray();

    [Fact]
    public void Forward_IsTheEnginesUnrolledSinkhorn_AndDivergence()
    {
        Prop.ForAll((from n in Gen.Choose(1, 9) from m in Gen.Choose(1, 9) from d in Gen.Choose(1, 3) from steps in Gen.Choose(1, 30)
                     from euclidean in Gen.Elements(false, true) from seed in Gen.Choose(0, int.MaxValue)
                     select (n, m, d, steps, euclidean, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] x = Points(rng, 2 * t.n * t.d, 2), y = Points(rng, 2 * t.m * t.d, 2); // two pairs
            GroundMetric metric = t.euclidean ? GroundMetric.Euclidean : GroundMetric.SqEuclidean;
            // One case in four at an eps so small against the costs that the stored kernel would
            // underflow and the log-domain path runs.
            double eps = rng.Next(4) == 0 ? 0.004 : 0.05 + 0.5 * rng.NextDouble();
            var engine = new SinkhornOptions { Epsilon = eps, MaxIterations = t.steps, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
            PointCloudCost Cost(int p) => new(x.Skip(p * t.n * t.d).Take(t.n * t.d).Select(v => (double)v).ToArray(),
                y.Skip(p * t.m * t.d).Take(t.m * t.d).Select(v => (double)v).ToArray(), t.d, metric);
            double[] a = [.. Uniform(t.n), .. Uniform(t.n)], b = [.. Uniform(t.m), .. Uniform(t.m)];
            SinkhornResult<double> cross = Sinkhorn.SolveBatch(a, b, Cost, engine);
            SinkhornDivergenceResult<double> divergence = SinkhornDivergence.SolveBatch(a, b, Cost, engine);
            foreach (EntropicDistanceKind kind in Enum.GetValues<EntropicDistanceKind>())
            {
                var distances = new double[2];
                UnrolledCloudDistance.Compute(x, y, t.n, t.m, t.d, new EntropicDistanceOptions { Epsilon = eps, Iterations = t.steps, Kind = kind, Metric = metric }, distances);
                for (int p = 0; p < 2; p++)
                {
                    double expected = kind switch
                    {
                        EntropicDistanceKind.TransportCost => cross.TransportCost(p),
                        EntropicDistanceKind.Value => cross.Value[p],
                        _ => divergence.Value[p],
                    };
                    Assert.True(Math.Abs(expected - distances[p]) <= 1e-9 * (1 + Math.Abs(expected)), $"{t} {kind} pair {p}: {distances[p]} vs the engine's {expected}");
                }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Gradient_MatchesCentralDifferencesOfTheSameComputation()
    {
        // The step is 2^-10 (2^-13 at small eps, where the third derivative is large); the
        // differences divide by the steps the floats actually took.
        const float h = 1f / 1024;
        Prop.ForAll((from n in Gen.Choose(1, 6) from m in Gen.Choose(1, 6) from d in Gen.Choose(1, 3) from steps in Gen.Choose(1, 25)
                     from kind in Gen.Elements(Enum.GetValues<EntropicDistanceKind>()) from euclidean in Gen.Elements(false, true)
                     from seed in Gen.Choose(0, int.MaxValue) select (n, m, d, steps, kind, euclidean, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] x = Points(rng, t.n * t.d, 3), y = Points(rng, t.m * t.d, 3);
            // |x - y| has a kink where two points meet (within a cloud too, in a divergence's
            // self-terms): differences across it say nothing, so such cases are not drawn.
            if (t.euclidean && ClosestPair([.. x, .. y], t.d) < 8 * h) return;
            var options = new EntropicDistanceOptions
            {
                // 0.03: the log-domain path, as above.
                Epsilon = rng.Next(4) == 0 ? 0.03 : 0.2 + rng.NextDouble(), Iterations = t.steps,
                Kind = t.kind, Metric = t.euclidean ? GroundMetric.Euclidean : GroundMetric.SqEuclidean,
            };
            double Distance(float[] xx, float[] yy)
            {
                var result = new double[1];
                UnrolledCloudDistance.Compute(xx, yy, t.n, t.m, t.d, options, result);
                return result[0];
            }
            var gx = new float[x.Length];
            var gy = new float[y.Length];
            UnrolledCloudDistance.Compute(x, y, t.n, t.m, t.d, options, new double[1], [1.5], gx, gy);
            foreach ((float[] points, float[] gradient, string name) in new[] { (x, gx, "x"), (y, gy, "y") })
                for (int k = 0; k < points.Length; k++)
                {
                    float saved = points[k], step = options.Epsilon < 0.1 ? h / 8 : h;
                    float above = points[k] = saved + step;
                    double up = Distance(x, y);
                    float below = points[k] = saved - step;
                    double down = Distance(x, y);
                    points[k] = saved;
                    double expected = 1.5 * (up - down) / ((double)above - below);
                    Assert.True(Math.Abs(expected - gradient[k]) <= 2e-3 * (1 + Math.Abs(expected)), $"{t} d{name}[{k}]: {gradient[k]} vs differences {expected}");
                }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    private static double ClosestPair(float[] points, int d)
    {
        int count = points.Length / d;
        double closest = double.PositiveInfinity;
        for (int i = 0; i < count; i++)
            for (int j = i + 1; j < count; j++)
                closest = Math.Min(closest, Math.Sqrt(Enumerable.Range(0, d).Sum(k => Math.Pow(points[i * d + k] - points[j * d + k], 2))));
        return closest;
    }

    [Fact]
    public void ValueGradient_AfterManyIterations_IsTheEnvelopeGradient()
    {
        var rng = new Random(7);
        const int n = 7, m = 5, d = 2;
        float[] x = Points(rng, n * d, 2), y = Points(rng, m * d, 2);
        var gx = new float[x.Length];
        var gy = new float[y.Length];
        var distance = new double[1];
        UnrolledCloudDistance.Compute(x, y, n, m, d, new EntropicDistanceOptions { Epsilon = 0.3, Iterations = 400, Kind = EntropicDistanceKind.Value }, distance, [1], gx, gy);
        var cost = new PointCloudCost(x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray(), d);
        SinkhornResult<double> converged = Sinkhorn.Solve(Uniform(n), Uniform(m), cost, new SinkhornOptions { Epsilon = 0.3, Tolerance = 1e-12, MaxIterations = 100_000 });
        (double[] ex, double[] ey) = converged.PositionGradients(cost);
        Assert.Equal(converged.Value[0], distance[0], 1e-9);
        for (int k = 0; k < x.Length; k++) Assert.Equal(ex[k], gx[k], 1e-5);
        for (int k = 0; k < y.Length; k++) Assert.Equal(ey[k], gy[k], 1e-5);
    }

    [Fact]
    public void EnvelopeGradient_IsTheEnginesPlanGradient_AfterAnyNumberOfIterations()
    {
        // Sum_ij P_ij dC_ij with the plan of the L-th iteration, as the engine's own
        // PositionGradients computes it from its Unrolled result (other code).
        Prop.ForAll((from n in Gen.Choose(1, 8) from m in Gen.Choose(1, 8) from d in Gen.Choose(1, 3) from steps in Gen.Choose(1, 30)
                     from kind in Gen.Elements(EntropicDistanceKind.TransportCost, EntropicDistanceKind.Value) from euclidean in Gen.Elements(false, true)
                     from seed in Gen.Choose(0, int.MaxValue) select (n, m, d, steps, kind, euclidean, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] x = Points(rng, t.n * t.d, 2), y = Points(rng, t.m * t.d, 2);
            GroundMetric metric = t.euclidean ? GroundMetric.Euclidean : GroundMetric.SqEuclidean;
            double eps = 0.05 + 0.5 * rng.NextDouble();
            var gx = new float[x.Length];
            var gy = new float[y.Length];
            var options = new EntropicDistanceOptions { Epsilon = eps, Iterations = t.steps, Kind = t.kind, Metric = metric, Gradient = EntropicGradient.Envelope };
            UnrolledCloudDistance.Compute(x, y, t.n, t.m, t.d, options, new double[1], [2], gx, gy);
            var cost = new PointCloudCost(x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray(), t.d, metric);
            SinkhornResult<double> engine = Sinkhorn.Solve(Uniform(t.n), Uniform(t.m), cost,
                new SinkhornOptions { Epsilon = eps, MaxIterations = t.steps, Mode = SinkhornMode.Unrolled, Tolerance = 0 });
            (double[] ex, double[] ey) = engine.PositionGradients(cost);
            for (int k = 0; k < x.Length; k++) Assert.True(Math.Abs(2 * ex[k] - gx[k]) <= 1e-5 * (1 + Math.Abs(ex[k])), $"{t} dx[{k}]: {gx[k]} vs the engine's {2 * ex[k]}");
            for (int k = 0; k < y.Length; k++) Assert.True(Math.Abs(2 * ey[k] - gy[k]) <= 1e-5 * (1 + Math.Abs(ey[k])), $"{t} dy[{k}]: {gy[k]} vs the engine's {2 * ey[k]}");
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData(EntropicDistanceKind.Value)]
    [InlineData(EntropicDistanceKind.Divergence)]
    public void EnvelopeGradient_AtConvergence_IsTheUnrolledGradient(EntropicDistanceKind kind)
    {
        var rng = new Random(11);
        const int n = 6, m = 5, d = 2;
        float[] x = Points(rng, n * d, 2), y = Points(rng, m * d, 2);
        float[] Gradient(EntropicGradient gradient, int iterations)
        {
            var gx = new float[x.Length];
            var gy = new float[y.Length];
            UnrolledCloudDistance.Compute(x, y, n, m, d, new EntropicDistanceOptions { Epsilon = 0.3, Iterations = iterations, Kind = kind, Gradient = gradient },
                new double[1], [1], gx, gy);
            return [.. gx, .. gy];
        }
        float[] unrolled = Gradient(EntropicGradient.Unrolled, 400), envelope = Gradient(EntropicGradient.Envelope, 400);
        for (int k = 0; k < unrolled.Length; k++) Assert.Equal(unrolled[k], envelope[k], 1e-5);
        // Not at convergence they differ: the test can tell the two apart.
        float[] early = Gradient(EntropicGradient.Unrolled, 2), earlyEnvelope = Gradient(EntropicGradient.Envelope, 2);
        Assert.True(early.Zip(earlyEnvelope).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void BadInput_IsNamed()
    {
        var options = new EntropicDistanceOptions();
        Assert.Throws<ArgumentException>("y", () => UnrolledCloudDistance.Compute(new float[6], new float[5], 3, 3, 2, options, new double[1]));
        Assert.Contains("x[2]", Assert.Throws<ArgumentException>("x", () => UnrolledCloudDistance.Compute([0, 0, float.NaN, 0], new float[4], 2, 2, 1, options, new double[2])).Message);
        Assert.Throws<ArgumentOutOfRangeException>("Epsilon", () => UnrolledCloudDistance.Compute(new float[2], new float[2], 1, 1, 2, options with { Epsilon = 0 }, new double[1]));
        Assert.Throws<ArgumentOutOfRangeException>("Iterations", () => UnrolledCloudDistance.Compute(new float[2], new float[2], 1, 1, 2, options with { Iterations = 0 }, new double[1]));
        Assert.Throws<ArgumentOutOfRangeException>("Metric", () => UnrolledCloudDistance.Compute(new float[2], new float[2], 1, 1, 2, options with { Metric = GroundMetric.Minkowski }, new double[1]));
        Assert.Throws<ArgumentException>("upstream", () => UnrolledCloudDistance.Compute(new float[2], new float[2], 1, 1, 2, options, new double[1], [1]));
        Assert.Throws<ArgumentOutOfRangeException>("Gradient", () => UnrolledCloudDistance.Compute(new float[2], new float[2], 1, 1, 2, options with { Gradient = (EntropicGradient)7 }, new double[1]));
    }
}
