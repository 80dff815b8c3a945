using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class SinkhornTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(60);

    private static double[] RandomHistogram(Random rng, int n, double zeroProbability = 0.2)
    {
        var w = new double[n];
        for (int i = 0; i < n; i++) w[i] = rng.NextDouble() < zeroProbability ? 0 : rng.NextDouble() + 0.1;
        if (w.All(v => v == 0)) w[0] = 1;
        double s = w.Sum();
        return w.Select(v => v / s).ToArray();
    }

    private static double[] DenseOf(GroundCost c)
    {
        var d = new double[c.Rows * c.Cols];
        for (int i = 0; i < c.Rows; i++) for (int j = 0; j < c.Cols; j++) d[i * c.Cols + j] = c[i, j];
        return d;
    }

    [Fact]
    public void GridSoftMin_EqualsDirectSoftMin_InBothPrecisions_WithAbsentEntries()
    {
        Prop.ForAll((from h in Gen.Choose(1, 9) from w in Gen.Choose(1, 9) from seed in Gen.Choose(0, int.MaxValue) select (h, w, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.h, t.w, 0.5 + rng.NextDouble());
            var dense = ReferenceCost.Of(grid);
            int n = grid.Rows;
            double eps = 0.05 + rng.NextDouble();
            double[] potential = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.2 ? double.NegativeInfinity : 3 * rng.NextDouble()).ToArray();
            potential[rng.Next(n)] = 0.5; // at least one present
            var viaGrid = new double[n];
            var direct = new double[n];
            foreach (SoftMinAxis axis in Enum.GetValues<SoftMinAxis>())
            {
                grid.SoftMin(axis, eps, potential, viaGrid);
                dense.SoftMin(axis, eps, potential, direct);
                for (int i = 0; i < n; i++)
                    Assert.True(Math.Abs(viaGrid[i] - direct[i]) <= 1e-12 * (1 + Math.Abs(direct[i])), $"{t} {axis} [{i}]: {viaGrid[i]:R} vs {direct[i]:R}");
                float[] single = new float[n];
                grid.SoftMin(axis, (float)eps, potential.Select(v => (float)v).ToArray(), single);
                for (int i = 0; i < n; i++)
                    Assert.True(Math.Abs(single[i] - direct[i]) <= 1e-4 * (1 + Math.Abs(direct[i])), $"{t} float [{i}]: {single[i]} vs {direct[i]:R}");
            }
        }).Check(Quick);
    }

    [Fact]
    public void GridSoftMin_EqualsDirectSoftMin_WhenGaussianSumsLeaveTheFloatingPointRange()
    {
        // Potentials spread over hundreds of units and eps small against the grid: the shifted
        // Gaussian sums of the separable passes underflow for outputs far from every heavy input,
        // which must then be recomputed exactly (and are compared with the dense log-domain path).
        Prop.ForAll((from h in Gen.Choose(2, 30) from w in Gen.Choose(2, 30) from seed in Gen.Choose(0, int.MaxValue) select (h, w, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.h, t.w);
            var dense = ReferenceCost.Of(grid);
            int n = grid.Rows;
            double eps = grid.MaxCost() * Math.Pow(10, -1 - 3 * rng.NextDouble()); // 1e-1 to 1e-4 of the diameter
            double spread = 50 + 1000 * rng.NextDouble();
            double[] potential = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.5 ? double.NegativeInfinity : spread * rng.NextDouble()).ToArray();
            potential[rng.Next(n)] = spread;
            var viaGrid = new double[n];
            var direct = new double[n];
            var single = new float[n];
            float[] potentialSingle = potential.Select(v => (float)v).ToArray();
            foreach (SoftMinAxis axis in Enum.GetValues<SoftMinAxis>())
            {
                grid.SoftMin(axis, eps, potential, viaGrid);
                dense.SoftMin(axis, eps, potential, direct);
                grid.SoftMin(axis, (float)eps, potentialSingle, single);
                for (int i = 0; i < n; i++)
                {
                    double scale = 1 + Math.Abs(direct[i]);
                    Assert.True(Math.Abs(viaGrid[i] - direct[i]) <= 1e-12 * scale, $"{t} eps {eps} [{i}]: {viaGrid[i]:R} vs {direct[i]:R}");
                    Assert.True(Math.Abs(single[i] - direct[i]) <= 1e-5 * scale, $"{t} eps {eps} float [{i}]: {single[i]} vs {direct[i]:R}");
                }
            }
        }).Check(Quick);
    }

    [Fact]
    public void Converged_MarginalsHold_AndValueBracketsTheExactCost()
    {
        // W <= <P_eps, C> and W <= OT_eps <= W + eps log min(n, m), since KL(P | a x b) <= log min(n, m).
        Prop.ForAll((from n in Gen.Choose(1, 25) from m in Gen.Choose(1, 25) from seed in Gen.Choose(0, int.MaxValue) select (n, m, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] x = Enumerable.Range(0, 2 * t.n).Select(_ => rng.NextDouble()).ToArray();
            double[] y = Enumerable.Range(0, 2 * t.m).Select(_ => rng.NextDouble()).ToArray();
            var cost = new PointCloudCost(x, y, 2);
            double[] a = RandomHistogram(rng, t.n), b = RandomHistogram(rng, t.m);
            double eps = 0.01 + 0.1 * rng.NextDouble();
            var options = new SinkhornOptions { Epsilon = eps, Tolerance = 1e-10, MaxIterations = 20000, EpsilonScaling = 0.5 };
            SinkhornResult<double> r = Sinkhorn.Solve<double>(a, b, cost, options);
            if (r.Status[0] == SinkhornStatus.MaxIterations)
            {
                // Sinkhorn contracts by about 1 - exp(-C/eps) per iteration: at eps = 0.015 some
                // problems need more than 20,000 (seen: (7, 23, 410645665), error 9.9e-8). That
                // is no wrong answer as long as the status says so.
                Assert.True(r.MarginalError[0] > options.Tolerance, $"{t}: MaxIterations with error {r.MarginalError[0]:G3}");
                return;
            }
            Assert.Equal(SinkhornStatus.Converged, r.Status[0]);
            double[] plan = r.Plan(0);
            for (int i = 0; i < t.n; i++) Assert.True(Math.Abs(Enumerable.Range(0, t.m).Sum(j => plan[i * t.m + j]) - a[i]) <= 1e-9, $"{t}: row {i}");
            for (int j = 0; j < t.m; j++) Assert.True(Math.Abs(Enumerable.Range(0, t.n).Sum(i => plan[i * t.m + j]) - b[j]) <= 1e-12, $"{t}: column {j}");
            double w = NetworkSimplex.Solve(a, b, cost).Cost;
            double slack = 1e-8;
            Assert.True(r.TransportCost(0) >= w - slack, $"{t}: <P,C> {r.TransportCost(0):R} below W {w:R}");
            Assert.True(r.Value[0] >= w - slack && r.Value[0] <= w + eps * Math.Log(Math.Min(t.n, t.m)) + slack,
                $"{t}: OT_eps {r.Value[0]:R} outside [W, W + eps log min(n,m)] with W {w:R}, eps {eps}");
        }).Check(Quick);
    }

    [Fact]
    public void Batch_EqualsProblemsOneByOne_AndZeroWeightPaddingIsAbsent()
    {
        var rng = new Random(5);
        const int batch = 7, n = 12, m = 9, pad = 3;
        var options = new SinkhornOptions { Epsilon = 0.05, Tolerance = 1e-9 };
        var xs = new double[batch][];
        var ys = new double[batch][];
        var a = new double[batch * (n + pad)];
        var b = new double[batch * (m + pad)];
        for (int k = 0; k < batch; k++)
        {
            xs[k] = Enumerable.Range(0, (n + pad) * 2).Select(_ => rng.NextDouble()).ToArray();
            ys[k] = Enumerable.Range(0, (m + pad) * 2).Select(_ => rng.NextDouble()).ToArray();
            RandomHistogram(rng, n, 0).CopyTo(a, k * (n + pad));   // the last pad entries stay 0
            RandomHistogram(rng, m, 0).CopyTo(b, k * (m + pad));
        }
        SinkhornResult<double> padded = Sinkhorn.SolveBatch(new ReadOnlyMemory<double>(a), b, k => new PointCloudCost(xs[k], ys[k], 2), options);
        for (int k = 0; k < batch; k++)
        {
            var alone = Sinkhorn.Solve<double>(a.AsSpan(k * (n + pad), n), b.AsSpan(k * (m + pad), m), new PointCloudCost(xs[k].AsMemory(0, 2 * n), ys[k].AsMemory(0, 2 * m), 2), options);
            Assert.Equal(alone.Value[0], padded.Value[k], 1e-12);
            Assert.Equal(alone.Iterations[0], padded.Iterations[k]);
            for (int i = 0; i < n; i++) Assert.Equal(alone.F[i], padded.FOf(k)[i], 1e-12);
        }
    }

    [Fact]
    public void FloatAgreesWithDouble_AndSmallEpsilonStaysFinite_OnTheMnistGrid()
    {
        var rng = new Random(9);
        var grid = new ImageGridCost(28, 28);
        double[] a = Blob(rng, 28), b = Blob(rng, 28);
        // eps = 1e-4 x the largest cost (1458 px^2): the stability floor named by the issue.
        foreach (double relative in new[] { 1e-2, 1e-3, 1e-4 })
        {
            var options = new SinkhornOptions { Epsilon = relative * grid.MaxCost(), Tolerance = 1e-6, EpsilonScaling = 0.5, MaxIterations = 3000 };
            SinkhornResult<double> d = Sinkhorn.Solve<double>(a, b, grid, options);
            Assert.NotEqual(SinkhornStatus.Diverged, d.Status[0]);
            Assert.True(d.F.All(double.IsFinite) && d.G.All(double.IsFinite), $"non-finite potential at eps = {relative} C_max");
            SinkhornResult<float> s = Sinkhorn.Solve<float>(a.Select(v => (float)v).ToArray(), b.Select(v => (float)v).ToArray(), grid, options);
            Assert.True(s.F.All(float.IsFinite), $"float potentials non-finite at eps = {relative} C_max");
            Assert.True(Math.Abs(s.Value[0] - d.Value[0]) <= 1e-3 * Math.Abs(d.Value[0]) + 1e-3, $"eps {relative}: float {s.Value[0]} vs double {d.Value[0]}");
        }
    }

    private static double[] Blob(Random rng, int side)
    {
        var h = new double[side * side];
        double cr = side * (0.3 + 0.4 * rng.NextDouble()), cc = side * (0.3 + 0.4 * rng.NextDouble());
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++)
            {
                double d2 = (r - cr) * (r - cr) + (c - cc) * (c - cc);
                h[r * side + c] = d2 < 30 ? Math.Exp(-d2 / 10) : 0;
            }
        double s = h.Sum();
        return h.Select(v => v / s).ToArray();
    }

    [Fact]
    public void OneIteration_ReportsMaxIterations_AndUnrolledRunsExactlyTheLimit()
    {
        var rng = new Random(2);
        var cost = new PointCloudCost(Enumerable.Range(0, 20).Select(_ => rng.NextDouble()).ToArray(), Enumerable.Range(0, 20).Select(_ => rng.NextDouble()).ToArray(), 2);
        double[] a = RandomHistogram(rng, 10, 0), b = RandomHistogram(rng, 10, 0);
        var one = Sinkhorn.Solve<double>(a, b, cost, new SinkhornOptions { Epsilon = 0.01, MaxIterations = 1, Tolerance = 1e-12 });
        Assert.Equal(SinkhornStatus.MaxIterations, one.Status[0]);
        Assert.Equal(1, one.Iterations[0]);
        Assert.True(one.MarginalError[0] > 1e-12);
        var unrolled = Sinkhorn.Solve<double>(a, b, cost, new SinkhornOptions { Epsilon = 0.5, MaxIterations = 37, Mode = SinkhornMode.Unrolled, Tolerance = 1e-3 });
        Assert.Equal(37, unrolled.Iterations[0]);
    }

    [Fact]
    public void BadInput_Throws_NamingArgument()
    {
        var cost = new DenseCost(new double[] { 0, 1, 1, 0 }, 2, 2);
        var options = new SinkhornOptions { Epsilon = 0.1 };
        Assert.Contains("a[1]", Assert.Throws<ArgumentException>("a", () => Sinkhorn.Solve<double>([0.5, double.NaN], [0.5, 0.5], cost, options)).Message);
        Assert.Throws<ArgumentException>("b", () => Sinkhorn.Solve<double>([0.5, 0.5], [0.9, 0.5], cost, options));
        Assert.Throws<ArgumentException>("a", () => Sinkhorn.Solve<double>([1.0], [0.5, 0.5], cost, options));
        Assert.Throws<ArgumentOutOfRangeException>("Epsilon", () => Sinkhorn.Solve<double>([0.5, 0.5], [0.5, 0.5], cost, options with { Epsilon = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("EpsilonScaling", () => Sinkhorn.Solve<double>([0.5, 0.5], [0.5, 0.5], cost, options with { EpsilonScaling = 1 }));
    }
}

public class PointCloudSoftMinTests
{
    [Fact]
    public void PointCloudAndDenseSoftMins_EqualTheGenericRowPath_WithAbsentAndAllAbsentInputs()
    {
        Prop.ForAll((from n in Gen.Choose(1, 300) from m in Gen.Choose(1, 40) from d in Gen.Choose(1, 3) from seed in Gen.Choose(0, int.MaxValue)
                     select (n, m, d, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var x = Enumerable.Range(0, t.n * t.d).Select(_ => rng.NextDouble()).ToArray();
            var y = Enumerable.Range(0, t.m * t.d).Select(_ => rng.NextDouble()).ToArray();
            var clouds = new PointCloudCost(x, y, t.d);
            var reference = ReferenceCost.Of(clouds); // the base class's row-by-row path
            var dense = new DenseCost(Enumerable.Range(0, t.n * t.m).Select(e => clouds[e / t.m, e % t.m]).ToArray(), t.n, t.m);
            double eps = 0.01 + rng.NextDouble();
            foreach ((SoftMinAxis axis, int length) in new[] { (SoftMinAxis.OverColumns, t.m), (SoftMinAxis.OverRows, t.n) })
            {
                bool allAbsent = rng.Next(10) == 0;
                double[] h = Enumerable.Range(0, length).Select(_ => allAbsent || rng.Next(5) == 0 ? double.NegativeInfinity : rng.NextDouble()).ToArray();
                int outer = length == t.m && axis == SoftMinAxis.OverColumns ? t.n : t.m;
                var expected = new double[outer];
                var actual = new double[outer];
                reference.SoftMin(axis, eps, h, expected);
                foreach (GroundCost specialised in new GroundCost[] { clouds, dense })
                {
                    specialised.SoftMin(axis, eps, h, actual);
                    for (int o = 0; o < outer; o++)
                        Assert.True(expected[o] == actual[o] || Math.Abs(expected[o] - actual[o]) <= 1e-12 * (1 + Math.Abs(expected[o])),
                            $"{t} {specialised.GetType().Name} {axis} [{o}]: {actual[o]:R} vs {expected[o]:R}");
                    // float: the same rows through the generic (non-2-D-double) fill.
                    var single = new float[outer];
                    specialised.SoftMin(axis, (float)eps, h.Select(v => (float)v).ToArray(), single);
                    for (int o = 0; o < outer; o++)
                        Assert.True(expected[o] == single[o] || Math.Abs(expected[o] - single[o]) <= 1e-4 * (1 + Math.Abs(expected[o])),
                            $"{t} {specialised.GetType().Name} float {axis} [{o}]: {single[o]} vs {expected[o]:R}");
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }
}

public class OverRelaxationTests
{
    [Fact]
    public void OverRelaxedRun_ReachesThePlainAnswer_WithAnExactReportedError()
    {
        int compared = 0;
        Prop.ForAll((from n in Gen.Choose(1, 20) from m in Gen.Choose(1, 20) from seed in Gen.Choose(0, int.MaxValue)
                     from omega in Gen.Elements(1.3, 1.5, 1.7, 1.8) select (n, m, seed, omega)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var cost = new PointCloudCost(Enumerable.Range(0, 2 * t.n).Select(_ => rng.NextDouble()).ToArray(),
                                          Enumerable.Range(0, 2 * t.m).Select(_ => rng.NextDouble()).ToArray(), 2);
            double[] W(int k) { var w = Enumerable.Range(0, k).Select(_ => rng.NextDouble() + 0.1).ToArray(); double s = w.Sum(); return w.Select(v => v / s).ToArray(); }
            double[] a = W(t.n), b = W(t.m);
            var plainOptions = new SinkhornOptions { Epsilon = 0.05, Tolerance = 1e-12, MaxIterations = 200_000 };
            SinkhornResult<double> plain = Sinkhorn.Solve<double>(a, b, cost, plainOptions);
            SinkhornResult<double> relaxed = Sinkhorn.Solve<double>(a, b, cost, plainOptions with { OverRelaxation = t.omega });
            if (plain.Status[0] != SinkhornStatus.Converged) return; // the nearly-coincident-points stall, documented in SinkhornDivergenceTests
            compared++;
            Assert.Equal(SinkhornStatus.Converged, relaxed.Status[0]);
            Assert.True(Math.Abs(plain.Value[0] - relaxed.Value[0]) <= 1e-9, $"{t}: plain {plain.Value[0]:R}, relaxed {relaxed.Value[0]:R}");
            // The reported error is the true row-marginal error of the returned plan.
            double[] plan = relaxed.Plan(0);
            double error = Enumerable.Range(0, t.n).Sum(i => Math.Abs(Enumerable.Range(0, t.m).Sum(j => plan[i * t.m + j]) - a[i]));
            Assert.True(Math.Abs(error - relaxed.MarginalError[0]) <= 1e-12, $"{t}: reported {relaxed.MarginalError[0]:E3}, actual {error:E3}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
        Assert.True(compared >= 30, $"only {compared} of 40 cases converged without relaxation; the property checked too little");
    }

    [Fact]
    public void UnrolledMode_IgnoresOverRelaxation_AndBadOmegaThrows()
    {
        var cost = new PointCloudCost(new double[] { 0, 1, 2 }, new double[] { 0.5, 1.5 }, 1);
        double[] a = [0.2, 0.3, 0.5], b = [0.6, 0.4];
        var options = new SinkhornOptions { Epsilon = 0.1, MaxIterations = 9, Mode = SinkhornMode.Unrolled };
        Assert.Equal(Sinkhorn.Solve<double>(a, b, cost, options).Value[0], Sinkhorn.Solve<double>(a, b, cost, options with { OverRelaxation = 1.8 }).Value[0]);
        Assert.Throws<ArgumentOutOfRangeException>("OverRelaxation", () => Sinkhorn.Solve<double>(a, b, cost, options with { OverRelaxation = 2 }));
    }
}
