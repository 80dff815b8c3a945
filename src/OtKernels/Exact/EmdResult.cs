using OtKernels.Geometry;

namespace OtKernels.Exact;

/// <summary>A sparse transport plan: entry k moves <c>Mass[k]</c> from source bin
/// <c>Rows[k]</c> to target bin <c>Cols[k]</c>. Entries are sorted by row, then column.</summary>
public sealed record TransportPlan(int[] Rows, int[] Cols, double[] Mass)
{
    /// <summary>Entries of the plan.</summary>
    public int Count => Mass.Length;

    /// <summary>The plan as a dense row-major n x m matrix.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n x m beyond one array; use ToTriplets.</exception>
    public double[] ToDense(int n, int m)
    {
        if ((long)n * m > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(n), $"A dense {n} x {m} plan exceeds one array ({Array.MaxLength} entries); use ToTriplets.");
        var dense = new double[n * m];
        for (int k = 0; k < Mass.Length; k++) dense[Rows[k] * m + Cols[k]] += Mass[k];
        return dense;
    }

    /// <summary>The nonzero entries as rows (i, j, mass), row-major [count, 3]: the sparse
    /// form of a plan too large to hold densely (SciPy's COO order).</summary>
    public double[] ToTriplets()
    {
        var triplets = new double[3L * Mass.Length];
        for (int k = 0; k < Mass.Length; k++) (triplets[3 * k], triplets[3 * k + 1], triplets[3 * k + 2]) = (Rows[k], Cols[k], Mass[k]);
        return triplets;
    }
}

/// <summary>The result of an exact OT solve.</summary>
public sealed class EmdResult
{
    private readonly Lazy<(double[] U, double[] V)> _duals;

    internal EmdResult(double cost, TransportPlan plan, Func<(double[] U, double[] V)> duals, int iterations, EmdStatus status)
    {
        Cost = cost;
        Plan = plan;
        _duals = new Lazy<(double[] U, double[] V)>(duals, LazyThreadSafetyMode.ExecutionAndPublication);
        Iterations = iterations;
        Status = status;
    }

    /// <summary>&lt;P, C&gt;, in the unit of the cost (W_p^p for the cost |x - y|^p).</summary>
    public double Cost { get; }

    /// <summary>The plan, a basic solution with at most n + m - 1 entries; feasible whatever the status.</summary>
    public TransportPlan Plan { get; }

    /// <summary>Dual potentials of the source bins (computed on first access; O(n m) cost evaluations).</summary>
    public double[] U => _duals.Value.U;

    /// <summary>Dual potentials of the target bins: U[i] + V[j] &lt;= C[i, j] on every arc and,
    /// when Optimal, equality on the plan's support up to rounding, so that
    /// sum a U + sum b V = Cost. When the pivot limit stopped the solve they still bound
    /// the optimum from below.</summary>
    public double[] V => _duals.Value.V;

    /// <summary>Number of simplex pivots.</summary>
    public int Iterations { get; }

    /// <summary>How the solve ended: Optimal, or the pivot limit with a feasible plan.</summary>
    public EmdStatus Status { get; }

    /// <summary>The optimality certificate of this result for the problem it solved (plan and
    /// dual feasibility, complementary slackness, duality gap); <c>Certify(a, b, cost).Holds()</c>
    /// proves it optimal.</summary>
    public EmdCertificate Certify(ReadOnlySpan<double> a, ReadOnlySpan<double> b, GroundCost cost) => EmdCertificate.Of(this, a, b, cost);
}
