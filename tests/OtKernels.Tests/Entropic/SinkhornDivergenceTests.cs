using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class SinkhornDivergenceTests
{
    private static (PointCloudCost Cost, double[] A, double[] B, double[] X, double[] Y) Problem(int n, int m, int seed)
    {
        var rng = new Random(seed);
        double[] x = Enumerable.Range(0, 2 * n).Select(_ => rng.NextDouble()).ToArray();
        double[] y = Enumerable.Range(0, 2 * m).Select(_ => rng.NextDouble() + 0.3).ToArray();
        double[] Weights(int k)
        {
            double[] w = Enumerable.Range(0, k).Select(_ => rng.Next(4) == 0 ? 0 : rng.NextDouble() + 0.1).ToArray();
            if (w.All(v => v == 0)) w[0] = 1;
            double s = w.Sum();
            return w.Select(v => v / s).ToArray();
        }
        return (new PointCloudCost(x, y, 2), Weights(n), Weights(m), x, y);
    }

    private static readonly SinkhornOptions Options = new() { Epsilon = 0.05, Tolerance = 1e-11, MaxIterations = 20000, EpsilonScaling = 0.5 };

    /// <summary>S and the accuracy it was computed to. The dual value is off by at most about
    /// (marginal error) x (largest cost), so that bounds what "zero" and "symmetric" can mean:
    /// alternating Sinkhorn can stall near 1e-6 when two points nearly coincide (the kernel is
    /// then almost rank-deficient), e.g. the case (4, 9, 1859102847).</summary>
    private static (double S, double Slack) Divergence(GroundCost cost, double[] a, double[] b)
    {
        SinkhornDivergenceResult<double> d = SinkhornDivergence.SolveBatch<double>(a, b, cost, Options);
        double error = d.Cross.MarginalError[0] + d.SelfMarginalErrorA[0] + d.SelfMarginalErrorB[0];
        return (d.Value[0], 1e-9 + 2 * error * cost.MaxCost());
    }

    [Fact]
    public void NonNegative_ZeroOnIdenticalMeasures_AndSymmetric()
    {
        Prop.ForAll((from n in Gen.Choose(1, 20) from m in Gen.Choose(1, 20) from seed in Gen.Choose(0, int.MaxValue) select (n, m, seed)).ToArbitrary(), t =>
        {
            (PointCloudCost cost, double[] a, double[] b, double[] x, double[] y) = Problem(t.n, t.m, t.seed);
            (double s, double slack) = Divergence(cost, a, b);
            Assert.True(s >= -slack, $"{t}: S = {s:R} < 0 (slack {slack:E2})");
            (double self, double selfSlack) = Divergence(new PointCloudCost(x, x, 2), a, a);
            Assert.True(Math.Abs(self) <= selfSlack, $"{t}: S(a, a) = {self:R} (slack {selfSlack:E2})");
            (double swapped, double swappedSlack) = Divergence(new PointCloudCost(y, x, 2), b, a);
            Assert.True(Math.Abs(s - swapped) <= slack + swappedSlack, $"{t}: S(a,b) {s:R} vs S(b,a) {swapped:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void SymmetricSelfTerm_EqualsAlternatingSolveOfTheSameProblem()
    {
        (PointCloudCost cost, double[] a, _, double[] x, _) = Problem(15, 4, 3);
        var self = new PointCloudCost(x, x, 2);
        SinkhornDivergenceResult<double> d = SinkhornDivergence.SolveBatch<double>(a, Problem(15, 4, 3).B, cost, Options);
        double alternating = Sinkhorn.Solve<double>(a, a, self, Options).Value[0];
        Assert.Equal(alternating, d.SelfValueA[0], 1e-9);
        Assert.Equal(SinkhornStatus.Converged, d.SelfStatusA[0]);
    }

    [Fact]
    public void DenseCost_CannotGiveSelfCosts_AndSaysWhatToUse()
    {
        var dense = new DenseCost(new double[] { 0, 1, 1, 0 }, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => SinkhornDivergence.SolveBatch<double>(new[] { 0.5, 0.5 }, new[] { 0.5, 0.5 }, dense, Options));
        Assert.Contains("PointCloudCost or ImageGridCost", e.Message);
    }

    /// <summary>One calling convention (issue 16): masses, cost, options for every solver,
    /// double without naming it, and a single problem of the divergence; each form gives the
    /// batch form's numbers for the same problem.</summary>
    [Fact]
    public void CallingConvention_MassesThenCost_DoubleWithoutNamingIt()
    {
        var (cost, a, b, _, _) = Problem(6, 5, 11);
        SinkhornDivergenceResult<double> batch = SinkhornDivergence.SolveBatch<double>(a, b, cost, Options);
        Assert.Equal(batch.Value, SinkhornDivergence.Solve(a, b, cost, Options).Value);
        Assert.Equal(batch.Value, SinkhornDivergence.SolveBatch(a, b, cost, Options).Value);
        Assert.Equal(batch.Value, SinkhornDivergence.SolveBatch(a, b, _ => cost, Options).Value);
        Assert.Equal(batch.Cross.Value, Sinkhorn.Solve(a, b, cost, Options).Value);
        Assert.Equal(batch.Cross.Value, Sinkhorn.SolveBatch(a, b, cost, Options).Value);
        Assert.Equal(batch.Cross.Value, Sinkhorn.SolveBatch(a, b, _ => cost, Options).Value);
        var e = Assert.Throws<ArgumentException>("a", () => Sinkhorn.SolveBatch(a.AsMemory(0, 5), b, cost, Options));
        Assert.Contains("not a positive multiple of the cost's 6 source bins", e.Message);
    }
}
