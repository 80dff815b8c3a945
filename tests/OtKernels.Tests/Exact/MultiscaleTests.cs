using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.Tests.Oracles;
using Xunit;

namespace OtKernels.Tests.Exact;

/// <summary>Image grids on the multiscale paths (by default a coarse start from 1024 arcs
/// after zero bins are removed, the sparse path from 65536; SolveWith(new(0, 0), ...) sends
/// every grid down the sparse one) must give the optimum of the
/// same problem posed as a dense cost, which is never coarsened, a valid certificate, and
/// GLPK's value where the LP is small.</summary>
public class MultiscaleTests
{
    [Fact]
    public void GridSolve_EqualsDenseSolve_AndCertificateHolds()
    {
        Prop.ForAll((from h in Gen.Choose(8, 20)
                     from w in Gen.Choose(8, 20)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (h, w, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            int n = t.h * t.w;
            // Integer pixel masses with zeros, equal totals (as IntegerMasses in TransportProblem).
            var a = new double[n];
            var b = new double[n];
            for (int k = 0; k < n; k++) a[k] = rng.Next(4) == 0 ? 0 : rng.Next(1, 9);
            int total = (int)a.Sum();
            for (int u = 0; u < total; u++) b[rng.Next(n)]++;
            var grid = new ImageGridCost(t.h, t.w);
            var dense = new double[n * n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) dense[i * n + j] = grid[i, j];

            EmdResult multiscale = NetworkSimplex.Solve(a, b, grid);
            EmdResult single = NetworkSimplex.Solve(a, b, new DenseCost(dense, n, n));
            Assert.Equal(EmdStatus.Optimal, multiscale.Status);
            Assert.True(Math.Abs(multiscale.Cost - single.Cost) <= 1e-12 * Math.Max(1, single.Cost),
                $"grid {t.h}x{t.w} seed {t.seed}: multiscale {multiscale.Cost:R}, dense {single.Cost:R}");
            var problem = TransportProblem.FromArrays(a, b, dense, n, n);
            Certificate.Check(problem, multiscale);
            if (n <= 100)
            {
                double lp = Glpk.SolveTransport(a, b, dense);
                Assert.True(Math.Abs(multiscale.Cost - lp) <= 1e-9 * Math.Max(1, lp), $"GLPK {lp:R}, simplex {multiscale.Cost:R}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    /// <summary>The masses the sparse path must survive: random with whole empty image rows
    /// and columns, a single pixel (all mass from or to one point), and a uniform image (the
    /// grid's many equal costs make ties everywhere).</summary>
    private static double[] Masses(Random rng, int h, int w, int kind, double total)
    {
        int n = h * w;
        var m = new double[n];
        switch (kind)
        {
            case 0:
                bool[] emptyRow = [.. Enumerable.Range(0, h).Select(_ => rng.Next(3) == 0)];
                bool[] emptyCol = [.. Enumerable.Range(0, w).Select(_ => rng.Next(3) == 0)];
                for (int k = 0; k < n; k++) m[k] = emptyRow[k / w] || emptyCol[k % w] ? 0 : rng.Next(0, 5);
                break;
            case 1:
                m[rng.Next(n)] = 1;
                break;
            default:
                Array.Fill(m, 1.0);
                break;
        }
        if (m.Sum() == 0) m[rng.Next(n)] = 1;
        double scale = total / m.Sum();
        for (int k = 0; k < n; k++) m[k] *= scale;
        return m;
    }

    [Fact]
    public void SparsePath_OnEveryGridFrom2x2To32x32_IsCertifiedAndEqualsTheDenseSolve()
    {
        Prop.ForAll((from h in Gen.Choose(2, 32)
                     from w in Gen.Choose(2, 32)
                     from kindA in Gen.Choose(0, 2)
                     from kindB in Gen.Choose(0, 2)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (h, w, kindA, kindB, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] a = Masses(rng, t.h, t.w, t.kindA, 1), b = Masses(rng, t.h, t.w, t.kindB, 1);
            var grid = new ImageGridCost(t.h, t.w);
            int n = t.h * t.w;
            var dense = new double[n * n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) dense[i * n + j] = grid[i, j];

            EmdResult sparse = NetworkSimplex.SolveWith(new(0, 0), a, b, grid, new EmdOptions { Normalize = true });
            EmdResult single = NetworkSimplex.Solve(a, b, new DenseCost(dense, n, n), new EmdOptions { Normalize = true });
            Assert.Equal(EmdStatus.Optimal, sparse.Status);
            Assert.True(Math.Abs(sparse.Cost - single.Cost) <= 1e-12 * Math.Max(1, single.Cost),
                $"grid {t.h}x{t.w} kinds {t.kindA},{t.kindB} seed {t.seed}: sparse {sparse.Cost:R}, dense {single.Cost:R}");
            Certificate.Check(TransportProblem.FromArrays(a, b, dense, n, n), sparse);
            AssertSortedByRowThenColumn(sparse.Plan);
            AssertSortedByRowThenColumn(single.Plan);
            if (n <= 64)
            {
                double lp = Glpk.SolveTransport(a, b, dense);
                Assert.True(Math.Abs(sparse.Cost - lp) <= 1e-9 * Math.Max(1, lp), $"GLPK {lp:R}, sparse {sparse.Cost:R}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void SparsePath_OnPointClouds_IsCertifiedAndEqualsTheDenseSolve()
    {
        // Clouds of 2 to 150 points in 1 to 3 dimensions, both metrics; integer coordinates
        // (many equal costs, duplicated points) or uniform ones; some masses zero. Every
        // size goes down the sparse path, its coarsenings included.
        Prop.ForAll((from n in Gen.Choose(2, 150)
                     from m in Gen.Choose(2, 150)
                     from d in Gen.Choose(1, 3)
                     from euclidean in Gen.Elements(false, true)
                     from integer in Gen.Elements(false, true)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (n, m, d, euclidean, integer, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double Coordinate() => t.integer ? rng.Next(5) : rng.NextDouble() * 4;
            double[] x = [.. Enumerable.Range(0, t.n * t.d).Select(_ => Coordinate())];
            double[] y = [.. Enumerable.Range(0, t.m * t.d).Select(_ => Coordinate())];
            // Integer masses with equal totals, so that GLPK's exact LP sees balanced marginals.
            double[] a = [.. Enumerable.Range(0, t.n).Select(_ => (double)(rng.Next(4) == 0 ? 0 : rng.Next(1, 9)))];
            a[rng.Next(t.n)] += 1;
            var b = new double[t.m];
            for (int unit = 0; unit < a.Sum(); unit++) b[rng.Next(t.m)]++;
            var cloud = new PointCloudCost(x, y, t.d, t.euclidean ? GroundMetric.Euclidean : GroundMetric.SqEuclidean);
            var dense = new double[t.n * t.m];
            for (int i = 0; i < t.n; i++) for (int j = 0; j < t.m; j++) dense[i * t.m + j] = cloud[i, j];
            EmdResult sparse = NetworkSimplex.SolveWith(new(0, 0), a, b, cloud);
            EmdResult single = NetworkSimplex.Solve(a, b, new DenseCost(dense, t.n, t.m));
            Assert.Equal(EmdStatus.Optimal, sparse.Status);
            Assert.True(Math.Abs(sparse.Cost - single.Cost) <= 1e-12 * Math.Max(1, single.Cost),
                $"{t.n} x {t.m} points in {t.d}-D seed {t.seed}: sparse {sparse.Cost:R}, dense {single.Cost:R}");
            Certificate.Check(TransportProblem.FromArrays(a, b, dense, t.n, t.m), sparse);
            if (t.n * t.m <= 900)
            {
                double lp = Glpk.SolveTransport(a, b, dense);
                Assert.True(Math.Abs(sparse.Cost - lp) <= 1e-9 * Math.Max(1, lp), $"GLPK {lp:R}, sparse {sparse.Cost:R}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    /// <summary>TransportPlan's promise: entries sorted by row, then column, each arc once.</summary>
    private static void AssertSortedByRowThenColumn(TransportPlan plan)
    {
        for (int k = 1; k < plan.Rows.Length; k++)
            Assert.True(plan.Rows[k - 1] < plan.Rows[k] || (plan.Rows[k - 1] == plan.Rows[k] && plan.Cols[k - 1] < plan.Cols[k]),
                $"plan entries {k - 1} and {k}: ({plan.Rows[k - 1]}, {plan.Cols[k - 1]}) then ({plan.Rows[k]}, {plan.Cols[k]})");
    }

    [Fact]
    public void SparsePath_AddsTheArcsTheCheckFinds_WhenTheCoarsePlanMissesTheOptimum()
    {
        // Two translated blobs on 16 x 16: the coarse plan's candidates alone are not
        // optimal on most such pairs, so the check must add arcs (and the trace counts it).
        var grid = new ImageGridCost(16, 16);
        var rng = new Random(3);
        int checkedMore = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            double[] a = Masses(rng, 16, 16, 0, 1), b = Masses(rng, 16, 16, 0, 1);
            var trace = new EmdTrace();
            EmdResult sparse;
            using (EmdTrace.Start(trace)) sparse = NetworkSimplex.SolveWith(new(0, 0), a, b, grid);
            EmdResult dense = NetworkSimplex.Solve(a, b, new DenseCost(Enumerable.Range(0, 256 * 256).Select(k => grid[k / 256, k % 256]).ToArray(), 256, 256));
            Assert.Equal(dense.Cost, sparse.Cost, 1e-12 * Math.Max(1, dense.Cost));
            if (trace.Levels[^1].Rounds > 1) checkedMore++;
        }
        Assert.True(checkedMore > 0, "no problem needed a second check: the test does not reach the arcs the check adds");
    }

    [Fact]
    public void SparsePath_SolvesBeyondMaxArcs_WhereTranslationIsOptimal()
    {
        // Random masses on a 91 x 91 block and the same masses moved by (3, 4) on a 100 x 100
        // grid: 8,281 nonzero bins a side, 68.6 M arcs, beyond what the dense path holds. For
        // the squared Euclidean cost a translation is an optimal map (the gradient of the
        // convex |x|^2 / 2 + t.x), so W2^2 = 3^2 + 4^2 whatever the masses.
        const int size = 100, block = 91, dr = 3, dc = 4;
        var rng = new Random(11);
        var a = new double[size * size];
        var b = new double[size * size];
        for (int r = 0; r < block; r++)
            for (int c = 0; c < block; c++)
            {
                double mass = 1 + rng.NextDouble();
                a[r * size + c] = mass;
                b[(r + dr) * size + c + dc] = mass;
            }
        Assert.True((long)block * block * block * block > NetworkSimplex.MaxArcs);
        EmdResult result = NetworkSimplex.Solve(a, b, new ImageGridCost(size, size), new EmdOptions { Normalize = true });
        Assert.Equal(EmdStatus.Optimal, result.Status);
        Assert.Equal(dr * dr + dc * dc, result.Cost, 1e-9);
        var rowSums = new double[a.Length];
        foreach (var (row, mass) in result.Plan.Rows.Zip(result.Plan.Mass)) rowSums[row] += mass;
        double total = a.Sum();
        for (int k = 0; k < a.Length; k++) Assert.Equal(a[k] / total, rowSums[k], 1e-12);
    }

    [Fact]
    public void Coarsening_PoolsTwoByTwoBlocks_AtTwiceTheSpacing()
    {
        var grid = new ImageGridCost(5, 3);
        Coarsening coarse = grid.Coarsen()!;
        var c = (ImageGridCost)coarse.Cost;
        Assert.Equal((3, 2, 2.0), (c.Height, c.Width, c.Spacing));
        Assert.Equal(0, coarse.RowParent[0 * 3 + 1]);   // (0,1) -> block (0,0)
        Assert.Equal(1, coarse.RowParent[1 * 3 + 2]);   // (1,2) -> block (0,1)
        Assert.Equal(4, coarse.RowParent[4 * 3 + 0]);   // (4,0) -> block (2,0)
        Assert.Equal(4.0 * 2, c[0, 3]);                  // blocks (0,0),(1,1): spacing^2 * 2
        Assert.Null(new ImageGridCost(1, 1).Coarsen());
    }
}
