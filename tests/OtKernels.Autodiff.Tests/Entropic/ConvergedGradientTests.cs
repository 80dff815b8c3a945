// Envelope-theorem gradients against central finite differences of the solver's own value,
// in double, along random directions: sum-zero for the weights (zero weights kept at zero:
// a direction that makes a mass negative leaves the domain), unrestricted for positions.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

public class ConvergedGradientTests
{
    private const double Step = 1e-5;
    private const double RelativeTolerance = 1e-5;

    // Costs up to 2 and eps >= 0.2: Sinkhorn converges to 1e-13 in a few hundred iterations.
    private static readonly SinkhornOptions Options = new() { Epsilon = 0.3, Tolerance = 1e-14, MaxIterations = 100_000 };

    private sealed record Case(int N, int M, int Dimension, int Seed, GroundMetric Metric)
    {
        public double[] X = [], Y = [], A = [], B = [];

        public static Case Create(int n, int m, int d, int seed, GroundMetric metric)
        {
            var rng = new Random(seed);
            var c = new Case(n, m, d, seed, metric)
            {
                X = Enumerable.Range(0, n * d).Select(_ => rng.NextDouble()).ToArray(),
                Y = Enumerable.Range(0, m * d).Select(_ => rng.NextDouble()).ToArray(),
                A = Weights(rng, n),
                B = Weights(rng, m),
            };
            return c;
        }

        private static double[] Weights(Random rng, int n)
        {
            double[] w = Enumerable.Range(0, n).Select(_ => rng.Next(5) == 0 ? 0 : rng.NextDouble() + 0.2).ToArray();
            if (w.All(v => v == 0)) w[0] = 1;
            double s = w.Sum();
            return w.Select(v => v / s).ToArray();
        }

        public PointCloudCost Cost(double[]? x = null, double[]? y = null) => new(x ?? X, y ?? Y, Dimension, Metric);

        public override string ToString() => $"Case.Create({N}, {M}, {Dimension}, {Seed}, GroundMetric.{Metric})";

        /// <summary>The smallest distance between two distinct points of the problem (x to y,
        /// and within x and within y, which the divergence's self-terms pair up).</summary>
        public double MinPairDistance()
        {
            double Distance(double[] p, int i, double[] q, int j) =>
                Math.Sqrt(Enumerable.Range(0, Dimension).Sum(c => (p[i * Dimension + c] - q[j * Dimension + c]) * (p[i * Dimension + c] - q[j * Dimension + c])));
            double min = double.PositiveInfinity;
            for (int i = 0; i < N; i++)
            {
                for (int j = 0; j < M; j++) min = Math.Min(min, Distance(X, i, Y, j));
                for (int j = i + 1; j < N; j++) min = Math.Min(min, Distance(X, i, X, j));
            }
            for (int i = 0; i < M; i++)
                for (int j = i + 1; j < M; j++) min = Math.Min(min, Distance(Y, i, Y, j));
            return min;
        }
    }

    /// <summary>The Euclidean cost |x - y| has a kink where two points meet; a central
    /// difference whose step crosses it measures neither side's slope (seen: seed 13875048,
    /// two points 1D closer than the step, dS/dy -0.0730 against -0.0850). Generated cases keep
    /// every pair of points this far apart, a hundred steps (directions have entries below 1).</summary>
    private const double KinkMargin = 100 * Step;

    private static Arbitrary<Case> Cases() =>
        (from n in Gen.Choose(1, 12)
         from m in Gen.Choose(1, 12)
         from d in Gen.Choose(1, 3)
         from seed in Gen.Choose(0, int.MaxValue)
         from metric in Gen.Elements(GroundMetric.SqEuclidean, GroundMetric.Euclidean)
         select Case.Create(n, m, d, seed, metric))
        .Where(c => c.Metric != GroundMetric.Euclidean || c.MinPairDistance() >= KinkMargin).ToArbitrary();

    [Fact]
    public void KinkMargin_ExcludesTheCaseTheFreshSeedAuditFound() =>
        Assert.True(Case.Create(10, 12, 1, 13875048, GroundMetric.Euclidean).MinPairDistance() < KinkMargin);

    private static double[] SumZeroDirection(Random rng, double[] w)
    {
        double[] d = w.Select(v => v > 0 ? rng.NextDouble() - 0.5 : 0).ToArray();
        int support = w.Count(v => v > 0);
        double mean = d.Sum() / support;
        return w.Select((v, i) => v > 0 ? d[i] - mean : 0).ToArray();
    }

    private static double Dot(double[] u, double[] v) => u.Zip(v, (p, q) => p * q).Sum();

    private static double[] Along(double[] x, double[] d, double t) => x.Select((v, i) => v + t * d[i]).ToArray();

    private static void AssertClose(double analytic, double finiteDifference, string what)
    {
        double scale = Math.Max(1e-3, Math.Abs(finiteDifference));
        Assert.True(Math.Abs(analytic - finiteDifference) <= RelativeTolerance * scale, $"{what}: analytic {analytic:R}, finite difference {finiteDifference:R}");
    }

    // Unbalanced (rho comparable to the costs, so that mass is both moved and destroyed):
    // every weight direction is allowed, zero weights kept at zero.
    private static readonly SinkhornOptions Unbalanced = Options with { MarginalPenalty = 0.7 };

    private static double[] FreeDirection(Random rng, double[] w) => w.Select(v => v > 0 ? rng.NextDouble() - 0.5 : 0).ToArray();

    [Fact]
    public void OtEpsilon_WeightAndPositionGradients_MatchFiniteDifferences() =>
        Prop.ForAll(Cases(), c => CheckOt(c, Options, SumZeroDirection)).Check(Config.QuickThrowOnFailure.WithMaxTest(40));

    [Fact]
    public void UnbalancedOtEpsilon_WeightAndPositionGradients_MatchFiniteDifferences() =>
        Prop.ForAll(Cases(), c => CheckOt(c, Unbalanced, FreeDirection)).Check(Config.QuickThrowOnFailure.WithMaxTest(30));

    private static void CheckOt(Case c, SinkhornOptions options, Func<Random, double[], double[]> weightDirection)
    {
        var rng = new Random(c.Seed ^ 0x5eed);
        double Value(double[] a, double[] b, PointCloudCost cost)
        {
            SinkhornResult<double> r = Sinkhorn.Solve<double>(a, b, cost, options);
            Assert.Equal(SinkhornStatus.Converged, r.Status[0]);
            return r.Value[0];
        }
        SinkhornResult<double> result = Sinkhorn.Solve<double>(c.A, c.B, c.Cost(), options);
        var da = new double[c.N];
        var db = new double[c.M];
        SinkhornBackward.WeightGradients(result, 0, da, db);
        var dx = new double[c.N * c.Dimension];
        var dy = new double[c.M * c.Dimension];
        SinkhornBackward.PositionGradients(result, 0, c.Cost(), dx, dy);

        AssertMatchesFiniteDifferences(c, rng, Value, weightDirection, (da, db, dx, dy), "d");
    }

    /// <summary>Each gradient against a central difference of value along a random direction
    /// (weightDirection for the masses, unrestricted for the points).</summary>
    private static void AssertMatchesFiniteDifferences(Case c, Random rng, Func<double[], double[], PointCloudCost, double> value,
        Func<Random, double[], double[]> weightDirection, (double[] A, double[] B, double[] X, double[] Y) gradient, string name)
    {
        double[] va = weightDirection(rng, c.A), vb = weightDirection(rng, c.B);
        AssertClose(Dot(gradient.A, va), (value(Along(c.A, va, Step), c.B, c.Cost()) - value(Along(c.A, va, -Step), c.B, c.Cost())) / (2 * Step), $"{c} {name}/da");
        AssertClose(Dot(gradient.B, vb), (value(c.A, Along(c.B, vb, Step), c.Cost()) - value(c.A, Along(c.B, vb, -Step), c.Cost())) / (2 * Step), $"{c} {name}/db");
        double[] vx = c.X.Select(_ => rng.NextDouble() - 0.5).ToArray(), vy = c.Y.Select(_ => rng.NextDouble() - 0.5).ToArray();
        AssertClose(Dot(gradient.X, vx), (value(c.A, c.B, c.Cost(Along(c.X, vx, Step))) - value(c.A, c.B, c.Cost(Along(c.X, vx, -Step)))) / (2 * Step), $"{c} {name}/dx");
        AssertClose(Dot(gradient.Y, vy), (value(c.A, c.B, c.Cost(y: Along(c.Y, vy, Step))) - value(c.A, c.B, c.Cost(y: Along(c.Y, vy, -Step)))) / (2 * Step), $"{c} {name}/dy");
    }

    [Fact]
    public void SinkhornDivergence_WeightAndPositionGradients_MatchFiniteDifferences() =>
        Prop.ForAll(Cases(), c => CheckDivergence(c, Options, SumZeroDirection)).Check(Config.QuickThrowOnFailure.WithMaxTest(30));

    [Fact]
    public void UnbalancedSinkhornDivergence_WeightAndPositionGradients_MatchFiniteDifferences() =>
        Prop.ForAll(Cases(), c => CheckDivergence(c, Unbalanced, FreeDirection)).Check(Config.QuickThrowOnFailure.WithMaxTest(20));

    private static void CheckDivergence(Case c, SinkhornOptions options, Func<Random, double[], double[]> weightDirection)
    {
        var rng = new Random(c.Seed ^ 0xd1f);
        double Value(double[] a, double[] b, PointCloudCost cost) => SinkhornDivergence.SolveBatch<double>(a, b, cost, options).Value[0];
        SinkhornDivergenceResult<double> result = SinkhornDivergence.SolveBatch<double>(c.A, c.B, c.Cost(), options);
        var da = new double[c.N];
        var db = new double[c.M];
        SinkhornDivergenceBackward.WeightGradients(result, 0, da, db);
        var dx = new double[c.N * c.Dimension];
        var dy = new double[c.M * c.Dimension];
        SinkhornDivergenceBackward.PositionGradients(result, 0, c.Cost(), dx, dy);

        AssertMatchesFiniteDifferences(c, rng, Value, weightDirection, (da, db, dx, dy), "dS");
    }

    [Fact]
    public void CostGradient_IsThePlan_AndMatchesFiniteDifferences()
    {
        var rng = new Random(17);
        int n = 5, m = 4;
        double[] c = Enumerable.Range(0, n * m).Select(_ => rng.NextDouble()).ToArray();
        double[] a = [0.1, 0.2, 0.3, 0.15, 0.25], b = [0.4, 0.1, 0.3, 0.2];
        double Value(double[] cost) => Sinkhorn.Solve<double>(a, b, new DenseCost(cost, n, m), Options).Value[0];
        double[] plan = SinkhornBackward.CostGradient(Sinkhorn.Solve<double>(a, b, new DenseCost(c, n, m), Options), 0);
        double[] v = c.Select(_ => rng.NextDouble() - 0.5).ToArray();
        AssertClose(Dot(plan, v), (Value(Along(c, v, Step)) - Value(Along(c, v, -Step))) / (2 * Step), "d/dC");
    }
}
