using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Exact;

public class NetworkSimplexTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(150);

    [Fact]
    public void Cost_MatchesGlpkExactLp_AndCertificateHolds()
    {
        Prop.ForAll(TransportProblem.Arbitrary(maxSize: 60), p => { Certificate.SolveAndCheckAgainstGlpk(p); }).Check(Quick);
    }

    [Fact]
    public void SelfTransport_IsFree_AndSwappingMeasuresTransposes()
    {
        Prop.ForAll(TransportProblem.Arbitrary(maxSize: 40), p =>
        {
            if (p.Cost is not PointCloudCost pc) return;
            // Same points on both sides: the cost has a zero diagonal and is symmetric.
            var x = new double[p.N * pc.Dimension];
            for (int i = 0; i < p.N; i++) for (int k = 0; k < pc.Dimension; k++) x[i * pc.Dimension + k] = i * 0.37 % 2.0 + k;
            var self = new PointCloudCost(x, x, pc.Dimension, pc.Metric);
            Assert.Equal(0.0, NetworkSimplex.Solve(p.A, p.A, self).Cost);

            EmdResult forward = NetworkSimplex.Solve(p.A, p.B, p.Cost);
            var transposed = new double[p.M * p.N];
            for (int i = 0; i < p.N; i++) for (int j = 0; j < p.M; j++) transposed[j * p.N + i] = p.DenseCost[i * p.M + j];
            EmdResult backward = NetworkSimplex.Solve(p.B, p.A, new DenseCost(transposed, p.M, p.N));
            Assert.True(Math.Abs(forward.Cost - backward.Cost) <= 1e-12 * Math.Max(1, Math.Abs(forward.Cost)), $"{p}: {forward.Cost:R} vs {backward.Cost:R}");
        }).Check(Quick);
    }

    [Fact]
    public void Batch_EqualsProblemsOneByOne_AnyThreadCount()
    {
        var cost = new ImageGridCost(5, 6);
        var rng = new Random(7);
        const int batch = 23, n = 30;
        var a = new double[batch * n];
        var b = new double[batch * n];
        for (int k = 0; k < a.Length; k++) { a[k] = rng.Next(3); b[k] = rng.Next(3); }
        for (int p = 0; p < batch; p++) { a[p * n] += 1; b[p * n + 5] += 1; }
        var options = new EmdOptions { Normalize = true };
        EmdBatchResult one = NetworkSimplex.SolveBatch(a, b, cost, options with { MaxDegreeOfParallelism = 1 });
        EmdBatchResult many = NetworkSimplex.SolveBatch(a, b, cost, options with { MaxDegreeOfParallelism = 4 });
        Assert.Equal(batch, many.Batch);
        Assert.Equal(batch, many.Count());
        for (int p = 0; p < batch; p++)
        {
            EmdResult single = NetworkSimplex.Solve(a.AsSpan(p * n, n), b.AsSpan(p * n, n), cost, options);
            Assert.Equal(single.Cost, one[p].Cost);
            Assert.Equal(single.Cost, many.Cost[p]);
            Assert.Equal(single.Iterations, many.Iterations[p]);
            Assert.Equal(single.Status, many.Status[p]);
            Assert.Equal(single.Plan.Mass, many[p].Plan.Mass);
        }
    }

    [Fact]
    public void PermutationCost_PlantedAnswer()
    {
        // Uniform masses and a cost that is 0 on a hidden permutation and 1 elsewhere: the
        // optimum is 0 and the plan is that permutation (GeomLoss's planted test).
        for (int seed = 0; seed < 20; seed++)
        {
            var rng = new Random(seed);
            int n = 1 + rng.Next(50);
            int[] perm = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            var c = new double[n * n];
            Array.Fill(c, 1.0);
            for (int i = 0; i < n; i++) c[i * n + perm[i]] = 0;
            var w = Enumerable.Repeat(1.0, n).ToArray();
            EmdResult r = NetworkSimplex.Solve(w, w, new DenseCost(c, n, n));
            Assert.Equal(0.0, r.Cost);
            Assert.Equal(n, r.Plan.Count);
            for (int k = 0; k < n; k++) Assert.Equal(perm[r.Plan.Rows[k]], r.Plan.Cols[k]);
        }
    }

    [Fact]
    public void IterationLimit_ReturnsFeasiblePlan_NotOptimal()
    {
        TransportProblem p = TransportProblem.Create(CostKind.UniformReal, 40, 35, 11);
        EmdResult full = NetworkSimplex.Solve(p.A, p.B, p.Cost);
        Assert.True(full.Iterations > 1, "the planted problem must need more than one pivot");
        EmdResult stopped = NetworkSimplex.Solve(p.A, p.B, p.Cost, new EmdOptions { MaxIterations = 1 });
        Assert.Equal(EmdStatus.MaxIterationsReached, stopped.Status);
        Assert.Equal(1, stopped.Iterations);
        Assert.True(stopped.Cost >= full.Cost);
        var rowSum = new double[p.N];
        for (int k = 0; k < stopped.Plan.Count; k++) rowSum[stopped.Plan.Rows[k]] += stopped.Plan.Mass[k];
        for (int i = 0; i < p.N; i++) Assert.Equal(p.A[i], rowSum[i], 1e-12);
        // The c-transformed duals still bound the optimum from below.
        double dual = p.A.Zip(stopped.U, (w, u) => w * u).Sum() + p.B.Zip(stopped.V, (w, v) => w * v).Sum();
        Assert.True(dual <= full.Cost + 1e-12);
    }

    [Fact]
    public void Normalize_AcceptsUnequalMasses_AndReportsUnitMassCost()
    {
        var cost = new PointCloudCost(new double[] { 0, 1 }, new double[] { 0, 1 }, 1);
        EmdResult r = NetworkSimplex.Solve([3.0, 1.0], [1.0, 1.0], cost, new EmdOptions { Normalize = true });
        Assert.Equal(0.25, r.Cost, 1e-15);
        Assert.Throws<ArgumentException>("b", () => NetworkSimplex.Solve([3.0, 1.0], [1.0, 1.0], cost));
    }
}
