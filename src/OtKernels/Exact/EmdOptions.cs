namespace OtKernels.Exact;

/// <summary>Options of the exact solvers.</summary>
public sealed record EmdOptions
{
    /// <summary>The default options.</summary>
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

    /// <exception cref="ArgumentOutOfRangeException">A negative MaxIterations, a MassTolerance
    /// that is NaN or negative, or MaxDegreeOfParallelism 0 or below -1.</exception>
    internal void Validate()
    {
        if (MaxIterations < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "MaxIterations must be nonnegative.");
        if (!(MassTolerance >= 0))
            throw new ArgumentOutOfRangeException(nameof(MassTolerance), MassTolerance, "MassTolerance must be a nonnegative number.");
        ValidateParallelism(MaxDegreeOfParallelism);
    }

    /// <summary>-1 (every core) or a positive thread count, as Parallel.For takes it.</summary>
    internal static void ValidateParallelism(int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism == 0 || maxDegreeOfParallelism < -1)
            throw new ArgumentOutOfRangeException("MaxDegreeOfParallelism", maxDegreeOfParallelism, "MaxDegreeOfParallelism must be -1 (every core) or a positive thread count.");
    }
}
