// The optimality certificate of an exact OT result (LEMON checkMcf, POT check_duality_gap):
// a feasible plan, feasible duals, complementary slackness and equal primal/dual values.
using OtKernels.Exact;
using Xunit;

namespace OtKernels.Tests.Exact;

internal static class Certificate
{
    /// <summary>Asserts the certificate; tolerances scale with the magnitudes involved.</summary>
    public static void Check(TransportProblem p, EmdResult r)
    {
        int n = p.N, m = p.M;
        double[] c = p.DenseCost;
        double mass = p.A.Sum();
        var rowSum = new double[n];
        var colSum = new double[m];
        double absCost = 0;
        for (int k = 0; k < r.Plan.Count; k++)
        {
            Assert.True(r.Plan.Mass[k] >= 0, $"negative plan entry {r.Plan.Mass[k]} at {k}");
            rowSum[r.Plan.Rows[k]] += r.Plan.Mass[k];
            colSum[r.Plan.Cols[k]] += r.Plan.Mass[k];
            absCost += Math.Abs(r.Plan.Mass[k] * c[r.Plan.Rows[k] * m + r.Plan.Cols[k]]);
        }
        Assert.True(r.Plan.Count <= n + m - 1, $"{r.Plan.Count} plan entries; a basic plan has at most n + m - 1");
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(rowSum[i] - p.A[i]) <= 1e-12 * mass, $"row {i}: {rowSum[i]:R} vs a {p.A[i]:R}");
        for (int j = 0; j < m; j++) Assert.True(Math.Abs(colSum[j] - p.B[j]) <= 1e-12 * mass, $"column {j}: {colSum[j]:R} vs b {p.B[j]:R}");

        double scale = c.Max(Math.Abs) + r.U.Max(Math.Abs) + r.V.Max(Math.Abs);
        double slack = 1e-9 * scale;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                Assert.True(r.U[i] + r.V[j] <= c[i * m + j] + slack, $"dual infeasible at ({i},{j}): {r.U[i] + r.V[j]:R} > {c[i * m + j]:R}");
        for (int k = 0; k < r.Plan.Count; k++)
        {
            int i = r.Plan.Rows[k], j = r.Plan.Cols[k];
            Assert.True(Math.Abs(r.U[i] + r.V[j] - c[i * m + j]) <= slack, $"complementary slackness fails at ({i},{j})");
        }
        double dual = 0, dualAbs = 0;
        for (int i = 0; i < n; i++) { dual += p.A[i] * r.U[i]; dualAbs += Math.Abs(p.A[i] * r.U[i]); }
        for (int j = 0; j < m; j++) { dual += p.B[j] * r.V[j]; dualAbs += Math.Abs(p.B[j] * r.V[j]); }
        Assert.True(Math.Abs(dual - r.Cost) <= 1e-9 * (dualAbs + absCost), $"duality gap: dual {dual:R}, primal {r.Cost:R}");
    }

    /// <summary>Solves p and asserts: optimal status, the certificate, and GLPK's exact optimum
    /// within 1e-9 relative to max(|optimum|, sum |P C|) (the scale of the cost's rounding).</summary>
    public static EmdResult SolveAndCheckAgainstGlpk(TransportProblem p)
    {
        EmdResult r = NetworkSimplex.Solve(p.A, p.B, p.Cost);
        Assert.Equal(EmdStatus.Optimal, r.Status);
        Check(p, r);
        double lp = Oracles.Glpk.SolveTransport(p.A, p.B, p.DenseCost);
        double tolerance = 1e-9 * Math.Max(Math.Abs(lp), AbsoluteCost(p, r));
        Assert.True(Math.Abs(r.Cost - lp) <= tolerance, $"{p}: simplex {r.Cost:R}, GLPK {lp:R}");
        return r;
    }

    /// <summary>Sum of |P_ij C_ij|: the scale against which rounding of the cost is judged.</summary>
    public static double AbsoluteCost(TransportProblem p, EmdResult r)
    {
        double s = 0;
        for (int k = 0; k < r.Plan.Count; k++) s += Math.Abs(r.Plan.Mass[k] * p.DenseCost[r.Plan.Rows[k] * p.M + r.Plan.Cols[k]]);
        return s;
    }
}
