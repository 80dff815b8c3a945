namespace OtKernels.Exact;

/// <summary>Options of the exact solvers.</summary>
public sealed record EmdOptions
{
    public static EmdOptions Default { get; } = new();

    /// <summary>Pivot limit; reaching it returns <see cref="EmdStatus.MaxIterationsReached"/>
    /// with a feasible plan. Default 10,000,000.</summary>
    public int MaxIterations { get; init; } = 10_000_000;

    /// <summary>Largest accepted relative difference |sum a - sum b| / max(sum a, sum b)
    /// (default 1e-9). Within it, b is rescaled to the mass of a; beyond it the input is
    /// rejected unless <see cref="Normalize"/> is set.</summary>
    public double MassTolerance { get; init; } = 1e-9;

    /// <summary>Divide a and b by their sums first, so unequal masses are accepted and the
    /// cost is that of unit mass. Default false.</summary>
    public bool Normalize { get; init; }

    /// <summary>Threads for <c>SolveBatch</c>; -1 (default) uses every core. Results do not
    /// depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}
