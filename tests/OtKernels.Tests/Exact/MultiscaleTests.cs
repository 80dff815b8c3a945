using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.Tests.Oracles;
using Xunit;

namespace OtKernels.Tests.Exact;

/// <summary>Image grids large enough for the multiscale warm start (at least 4096 arcs after
/// zero bins are removed) must give the optimum of the same problem posed as a dense cost,
/// which is never coarsened, and a valid certificate.</summary>
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
