namespace OtKernels.Entropic;

/// <summary>How the iterations end.</summary>
public enum SinkhornMode
{
    /// <summary>Stop when the L1 marginal error is at most Tolerance (checked every CheckEvery iterations).</summary>
    Converged,
    /// <summary>Run exactly MaxIterations iterations at the target epsilon, no early stop: the
    /// fixed computation that unrolled gradients differentiate (Frogner et al. 2019).</summary>
    Unrolled,
}

/// <summary>Options of log-domain Sinkhorn. Epsilon is absolute, in the unit of the cost.</summary>
public sealed record SinkhornOptions
{
    /// <summary>The target regularisation eps &gt; 0 (absolute; e.g. 1e-3 x the largest cost).</summary>
    public required double Epsilon { get; init; }

    /// <summary>Iterations at the target epsilon (the annealing stages come on top). Default 1000.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Stop when sum_i |(P 1)_i - a_i| &lt;= Tolerance x mass (Converged mode). Default 1e-6.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Epsilon-scaling factor q in (0, 1): one iteration at each of eps_k = C_max q^k
    /// while eps_k &gt; Epsilon, then the target (Kosowsky and Yuille 1994; Schmitzer 2019;
    /// GeomLoss's schedule). 0 (default) starts at the target.</summary>
    public double EpsilonScaling { get; init; }

    /// <summary>Over-relaxation omega in [1, 2): each update moves to (1 - omega) x old +
    /// omega x soft-min (Thibault et al. 2017, "Overrelaxed Sinkhorn-Knopp"), which can cut
    /// the iterations several-fold at small epsilon. 1 (default) is plain Sinkhorn. Used in
    /// Converged mode only (Unrolled mode differentiates plain updates); the g update before
    /// each marginal check is plain, so the reported error is exact for the returned pair.
    /// Convergence for omega &gt; 1 is not guaranteed far from the solution: Diverged or
    /// MaxIterations says so.</summary>
    public double OverRelaxation { get; init; } = 1;

    /// <summary>Marginal checks happen every CheckEvery iterations (POT's default, 10).</summary>
    public int CheckEvery { get; init; } = 10;

    /// <summary>Converged: stop at the tolerance. Unrolled: run exactly MaxIterations (the mode the unrolled reverse pass differentiates).</summary>
    public SinkhornMode Mode { get; init; } = SinkhornMode.Converged;

    /// <summary>The marginal penalty rho of unbalanced transport: the constraints P 1 = a and
    /// P^T 1 = b become the costs rho KL(P 1 | a) + rho KL(P^T 1 | b) (Chizat et al. 2018;
    /// Sejourne et al. 2019), so mass may be created or destroyed where moving it costs more
    /// than about rho. POT's reg_m; GeomLoss's reach r sets rho = r^p on its cost |x - y|^p / p; OTT's
    /// tau = rho / (rho + eps). Positive infinity (default) is balanced transport, whose masses
    /// must have equal sums; finite rho accepts any sums.</summary>
    public double MarginalPenalty { get; init; } = double.PositiveInfinity;

    /// <summary>Threads for batches; -1 (default) uses every core. Results do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    internal void Validate()
    {
        ValidateIterations(Epsilon, MaxIterations, Tolerance, CheckEvery);
        if (!(EpsilonScaling >= 0 && EpsilonScaling < 1))
            throw new ArgumentOutOfRangeException(nameof(EpsilonScaling), EpsilonScaling, "EpsilonScaling must be 0 (off) or in (0, 1).");
        if (!(OverRelaxation >= 1 && OverRelaxation < 2))
            throw new ArgumentOutOfRangeException(nameof(OverRelaxation), OverRelaxation, "OverRelaxation must be in [1, 2).");
        if (!(MarginalPenalty > 0))
            throw new ArgumentOutOfRangeException(nameof(MarginalPenalty), MarginalPenalty, "MarginalPenalty must be positive (+infinity for balanced transport).");
        if (!Enum.IsDefined(Mode))
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Mode must be Converged or Unrolled.");
        Exact.EmdOptions.ValidateParallelism(MaxDegreeOfParallelism);
    }

    /// <summary>Finite MarginalPenalty: the marginals are relaxed.</summary>
    internal bool Unbalanced => !double.IsPositiveInfinity(MarginalPenalty);

    /// <summary>The exponent kappa = rho / (rho + eps) of the unbalanced update f = kappa
    /// softmin(...) at regularisation eps (the proximal step of rho KL in the log domain;
    /// Chizat et al. 2018, Prop. 2.8; Sejourne et al. 2019, eq. 9); 1 when balanced.</summary>
    internal double Damping(double epsilon) => Unbalanced ? MarginalPenalty / (MarginalPenalty + epsilon) : 1;

    /// <summary>The checks every iterative entropic solver's options share (Sinkhorn, barycenters).</summary>
    internal static void ValidateIterations(double epsilon, int maxIterations, double tolerance, int checkEvery)
    {
        if (!(epsilon > 0 && double.IsFinite(epsilon)))
            throw new ArgumentOutOfRangeException("Epsilon", epsilon, "Epsilon must be positive and finite.");
        if (maxIterations < 1) throw new ArgumentOutOfRangeException("MaxIterations", maxIterations, "MaxIterations must be at least 1.");
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException("Tolerance", tolerance, "Tolerance must be nonnegative.");
        if (checkEvery < 1) throw new ArgumentOutOfRangeException("CheckEvery", checkEvery, "CheckEvery must be at least 1.");
    }
}
