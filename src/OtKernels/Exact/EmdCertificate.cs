// The optimality certificate of an exact OT result, as LEMON's checkMcf and POT's
// check_duality_gap state it: the plan is feasible (its marginals are a and b), the duals
// are feasible (u_i + v_j <= C_ij on every arc), complementary slackness holds (equality on
// the plan's support), and the primal and dual values agree. Any one failing means the
// result is not proven optimal; all holding proves it, whatever solver produced it.
using OtKernels.Geometry;

namespace OtKernels.Exact;

/// <summary>How well an exact OT result proves itself optimal. Each deviation is measured on
/// its own scale: the dual violations against CostScale = max|C| + max|u| + max|v|, the
/// marginals against Mass, the duality gap against ValueScale = sum|a u| + sum|b v| + sum|P C|.</summary>
/// <param name="PrimalCost">&lt;P, C&gt; of the plan.</param>
/// <param name="DualValue">&lt;a, u&gt; + &lt;b, v&gt;.</param>
/// <param name="MaxDualViolation">max over all arcs of u_i + v_j - C_ij (at most 0 for feasible duals).</param>
/// <param name="MaxSlackness">max over the plan's support of |u_i + v_j - C_ij| (0 at an optimum).</param>
/// <param name="MaxMarginalError">max over bins of |P 1 - a| and |P^T 1 - b|.</param>
/// <param name="CostScale">The scale of the dual violations.</param>
/// <param name="ValueScale">The scale of the duality gap.</param>
/// <param name="Mass">The scale of the marginal errors: sum a.</param>
public sealed record EmdCertificate(double PrimalCost, double DualValue, double MaxDualViolation, double MaxSlackness,
    double MaxMarginalError, double CostScale, double ValueScale, double Mass)
{
    /// <summary>PrimalCost - DualValue (0 at an optimum).</summary>
    public double DualityGap => PrimalCost - DualValue;

    /// <summary>Whether every deviation is within relativeTolerance of its scale: the plan is
    /// then proven optimal up to rounding.</summary>
    public bool Holds(double relativeTolerance = 1e-9) =>
        MaxDualViolation <= relativeTolerance * CostScale && MaxSlackness <= relativeTolerance * CostScale
        && MaxMarginalError <= relativeTolerance * Mass && Math.Abs(DualityGap) <= relativeTolerance * ValueScale;

    /// <summary>The certificate of result for the problem (a, b, cost) it solved; O(n m) cost
    /// evaluations for the dual feasibility of every arc.</summary>
    /// <exception cref="ArgumentException">Lengths that do not match the cost.</exception>
    public static EmdCertificate Of(EmdResult result, ReadOnlySpan<double> a, ReadOnlySpan<double> b, GroundCost cost)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(cost);
        int n = cost.Rows, m = cost.Cols;
        ThrowHelper.ThrowIfLengthMismatch(a.Length, n, nameof(a), "the cost's rows");
        ThrowHelper.ThrowIfLengthMismatch(b.Length, m, nameof(b), "the cost's columns");
        double[] u = result.U, v = result.V;
        TransportPlan plan = result.Plan;
        var rows = new double[n];
        var cols = new double[m];
        double primal = 0, absPrimal = 0, slackness = 0;
        for (int k = 0; k < plan.Count; k++)
        {
            int i = plan.Rows[k], j = plan.Cols[k];
            double c = cost[i, j], p = plan.Mass[k];
            rows[i] += p;
            cols[j] += p;
            primal += p * c;
            absPrimal += Math.Abs(p * c);
            slackness = Math.Max(slackness, Math.Abs(u[i] + v[j] - c));
        }
        double violation = double.NegativeInfinity, maxCost = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double c = cost[i, j];
                violation = Math.Max(violation, u[i] + v[j] - c);
                maxCost = Math.Max(maxCost, Math.Abs(c));
            }
        double dual = 0, absDual = 0, marginal = 0, mass = 0, maxU = 0, maxV = 0;
        for (int i = 0; i < n; i++)
        {
            dual += a[i] * u[i];
            absDual += Math.Abs(a[i] * u[i]);
            marginal = Math.Max(marginal, Math.Abs(rows[i] - a[i]));
            mass += a[i];
            maxU = Math.Max(maxU, Math.Abs(u[i]));
        }
        for (int j = 0; j < m; j++)
        {
            dual += b[j] * v[j];
            absDual += Math.Abs(b[j] * v[j]);
            marginal = Math.Max(marginal, Math.Abs(cols[j] - b[j]));
            maxV = Math.Max(maxV, Math.Abs(v[j]));
        }
        return new EmdCertificate(primal, dual, violation, slackness, marginal, maxCost + maxU + maxV, absDual + absPrimal, mass);
    }
}
