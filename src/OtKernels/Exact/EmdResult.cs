namespace OtKernels.Exact;

/// <summary>A sparse transport plan: entry k moves <c>Mass[k]</c> from source bin
/// <c>Rows[k]</c> to target bin <c>Cols[k]</c>. Entries are sorted by row, then column.</summary>
public sealed record TransportPlan(int[] Rows, int[] Cols, double[] Mass)
{
    public int Count => Mass.Length;

    /// <summary>The plan as a dense row-major n x m matrix.</summary>
    public double[] ToDense(int n, int m)
    {
        var dense = new double[checked(n * m)];
        for (int k = 0; k < Mass.Length; k++) dense[Rows[k] * m + Cols[k]] += Mass[k];
        return dense;
    }
}

/// <summary>The result of an exact OT solve.</summary>
/// <param name="Cost">&lt;P, C&gt;, in the unit of the cost (W_p^p for the cost |x-y|^p).</param>
/// <param name="Plan">The optimal plan, a basic solution with at most n + m - 1 entries.</param>
/// <param name="U">Dual potentials of the source bins.</param>
/// <param name="V">Dual potentials of the target bins: U[i] + V[j] &lt;= C[i, j] on every arc,
/// with equality on the plan's support (up to rounding), and sum a U + sum b V = Cost.</param>
/// <param name="Iterations">Number of simplex pivots.</param>
/// <param name="Status">Optimal, or MaxIterationsReached with a feasible plan.</param>
public sealed record EmdResult(double Cost, TransportPlan Plan, double[] U, double[] V, int Iterations, EmdStatus Status);
