// The library's side of the reliability report: inputs that overflow are refused by name
// (they crashed the simplex in InitialBasis or returned cost 0, Optimal, an all-zero plan),
// options are validated, every batch reports bad input as a plain ArgumentException naming
// the problem (Sinkhorn wrapped it in an AggregateException; a null cost was a
// NullReferenceException), and the duals of a large sparse problem complete in bounded memory.
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests;

public class ReliabilityTests
{
    private static readonly double[] Half = [0.5, 0.5];

    [Theory]
    [InlineData(1e160)]  // finite coordinates whose squared distances overflow
    [InlineData(1e154)]
    public void PointsWhoseCostsOverflow_AreRefused_NamingTheCost(double scale)
    {
        var cost = new PointCloudCost(new[] { 0.0, scale }, new[] { scale, 0.0 }, 1);
        var e = Assert.Throws<ArgumentException>("cost", () => NetworkSimplex.Solve(Half, Half, cost));
        Assert.Contains("cost[", e.Message);
        Assert.Contains("points down", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the sparse multiscale path, which reads its rows as it goes
    public void AGridWhoseDiagonalOverflows_IsRefused_ThoughGridsSkipTheScan(bool sparse)
    {
        // A grid's costs are bounded by its diagonal, so the solver does not scan them; a
        // spacing whose squared diagonal is beyond double must still be refused.
        var grid = new ImageGridCost(2, 2, spacing: 1e160);
        double[] a = [0.25, 0.25, 0.25, 0.25], b = [0.4, 0.1, 0.1, 0.4];
        NetworkSimplex.PathSizes sizes = sparse ? new(0, 0) : NetworkSimplex.PathSizes.Default;
        var e = Assert.Throws<ArgumentException>("cost", () => NetworkSimplex.SolveWith(sizes, a, b, grid));
        Assert.Contains("cost[", e.Message);
        Assert.Equal(EmdStatus.Optimal, NetworkSimplex.SolveWith(sizes, a, b, new ImageGridCost(2, 2, spacing: 1e100)).Status);
    }

    [Fact]
    public void CostsThatWouldOverflowThePotentials_AreRefused()
    {
        var cost = new DenseCost(new[] { 0, double.MaxValue / 2, double.MaxValue / 2, 0 }, 2, 2);
        Assert.Throws<ArgumentException>("cost", () => NetworkSimplex.Solve(Half, Half, cost));
        EmdResult fine = NetworkSimplex.Solve(Half, Half, new DenseCost(new[] { 0, 1e300, 1e300, 0 }, 2, 2));
        Assert.Equal(EmdStatus.Optimal, fine.Status);
        Assert.True(fine.U.Concat(fine.V).All(double.IsFinite));
    }

    [Fact]
    public void MassesWhoseSumOverflows_AreRefused_NotSolvedAsZero()
    {
        var cost = new DenseCost(new double[] { 0, 1, 1, 0 }, 2, 2);
        double[] huge = [1e308, 1e308];
        var e = Assert.Throws<ArgumentException>("a", () => NetworkSimplex.Solve(huge, huge, cost, new EmdOptions { Normalize = true }));
        Assert.Contains("largest double", e.Message);
        Assert.Throws<ArgumentException>("a", () => Sinkhorn.Solve<double>(huge, huge, cost, new SinkhornOptions { Epsilon = 1 }));
    }

    [Fact]
    public void Options_AreValidated_ByName()
    {
        var cost = new DenseCost(new double[] { 0, 1, 1, 0 }, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>("MassTolerance", () => NetworkSimplex.Solve(Half, Half, cost, new EmdOptions { MassTolerance = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>("MassTolerance", () => NetworkSimplex.Solve(Half, Half, cost, new EmdOptions { MassTolerance = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>("MaxDegreeOfParallelism", () => NetworkSimplex.SolveBatch(Half, Half, cost, new EmdOptions { MaxDegreeOfParallelism = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("Mode", () => Sinkhorn.Solve<double>(Half, Half, cost, new SinkhornOptions { Epsilon = 1, Mode = (SinkhornMode)7 }));
        Assert.Throws<ArgumentOutOfRangeException>("MaxDegreeOfParallelism", () => Sinkhorn.Solve<double>(Half, Half, cost, new SinkhornOptions { Epsilon = 1, MaxDegreeOfParallelism = 0 }));
    }

    [Fact]
    public void EveryBatch_ReportsBadInput_AsOneArgumentException_NamingTheProblem()
    {
        var square = new PointCloudCost(new[] { 0.0, 1 }, new[] { 0.5, 2 }, 1);
        var wrongShape = new PointCloudCost(new[] { 0.0, 1, 2 }, new[] { 0.5, 2 }, 1);
        double[] a = [.. Half, .. Half, .. Half, .. Half], b = a;
        var options = new SinkhornOptions { Epsilon = 0.5, MaxDegreeOfParallelism = 2 };

        var e = Assert.Throws<ArgumentException>(() => Sinkhorn.SolveBatch<double>(a, b, k => k == 3 ? wrongShape : square, options));
        Assert.Contains("Problem 3", e.Message);
        Assert.Equal("costOf", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => SinkhornDivergence.SolveBatch<double>(a, b, k => k == 2 ? wrongShape : square, options));
        Assert.Contains("Problem 2", e.Message);

        var n = Assert.Throws<ArgumentNullException>("costOf", () => Sinkhorn.SolveBatch<double>(a, b, k => k == 1 ? null! : square, options));
        Assert.Contains("costOf(1)", n.Message);
        Assert.Throws<ArgumentNullException>("costOf", () => SinkhornDivergence.SolveBatch<double>(a, b, _ => null!, options));
        var emd = Assert.Throws<ArgumentNullException>("problem", () => NetworkSimplex.SolveBatch(4, k => (Half, Half, k == 2 ? null! : square)));
        Assert.Contains("Problem 2", emd.Message);

        // Barycenters name the input histogram and the bin, under the argument's own name.
        var grid = new ImageGridCost(3, 3);
        double[] histograms = Enumerable.Repeat(1.0 / 9, 27).ToArray();
        histograms[2 * 9 + 4] = double.NaN;
        foreach (Action run in new Action[]
        {
            () => Barycenter.Bregman(histograms, [1.0, 1, 1], grid, new BarycenterOptions { Epsilon = 1 }),
            () => Barycenter.Convolutional(histograms, [1.0, 1, 1], grid, new BarycenterOptions { Epsilon = 1 }),
        })
            Assert.Contains("histograms[2][4] is NaN", Assert.Throws<ArgumentException>("histograms", run).Message);
        Assert.Throws<ArgumentOutOfRangeException>("MaxDegreeOfParallelism", () => Barycenter.Bregman(Enumerable.Repeat(1.0 / 9, 27).ToArray(), [1.0, 1, 1], grid,
            new BarycenterOptions { Epsilon = 1, MaxDegreeOfParallelism = 0 }));
    }

    [Fact]
    public void DualsOfALargeSparseProblem_CompleteInBoundedMemory_AndCertify()
    {
        // 3000 x 3000 bins of which 6 carry mass: the zero bins' duals come from blocks of rows.
        int n = 3000;
        var rng = new Random(5);
        double[] x = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray(), y = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var a = new double[n];
        var b = new double[n];
        foreach (int i in new[] { 3, 1700, 2999 }) a[i] = 1.0 / 3;
        foreach (int j in new[] { 0, 42, 2500 }) b[j] = 1.0 / 3;
        var cost = new PointCloudCost(x, y, 1);
        EmdResult r = NetworkSimplex.Solve(a, b, cost);
        Assert.Equal(EmdStatus.Optimal, r.Status);
        for (int s = 0; s < 20000; s++)
        {
            int i = rng.Next(n), j = rng.Next(n);
            Assert.True(r.U[i] + r.V[j] <= cost[i, j] + 1e-12, $"u[{i}] + v[{j}] > C[{i}, {j}]");
        }
        Assert.Throws<ArgumentOutOfRangeException>("n", () => r.Plan.ToDense(70000, 70000));
        Assert.Equal(3 * r.Plan.Mass.Length, r.Plan.ToTriplets().Length);
    }
}
