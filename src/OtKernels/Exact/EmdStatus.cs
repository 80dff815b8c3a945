namespace OtKernels.Exact;

/// <summary>How a network-simplex solve ended (the statuses of LEMON and POT).</summary>
public enum EmdStatus
{
    /// <summary>No arc has a negative reduced cost: the plan is optimal and (U, V) certify it.</summary>
    Optimal,
    /// <summary>The pivot limit was reached. The plan is feasible but not proven optimal.</summary>
    MaxIterationsReached,
}
