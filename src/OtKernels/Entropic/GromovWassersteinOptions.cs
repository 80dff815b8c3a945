namespace OtKernels.Entropic;

/// <summary>The inner loss L(a, b) between a distance a of the source space and b of the
/// target space, in the separable form f1(a) + f2(b) - h1(a) h2(b) of Peyré, Cuturi and
/// Solomon 2016 (Prop. 1), which makes a gradient cost O(n^2 m + n m^2).</summary>
public enum GromovLoss
{
    /// <summary>(a - b)^2: f1 = a^2, f2 = b^2, h1 = a, h2 = 2 b (POT's "square_loss").</summary>
    Square,
    /// <summary>a log(a / b) - a + b: f1 = a log a - a, f2 = b, h1 = a, h2 = log(b + 1e-15)
    /// (POT's "kl_loss", its floor included, so that distance matrices with their zero
    /// diagonals are accepted); the entries must be nonnegative.</summary>
    KL,
}

/// <summary>Options of entropic (fused) Gromov–Wasserstein. Defaults are POT's
/// (ot.gromov.entropic_gromov_wasserstein: 1000 outer iterations, tolerance 1e-9, the
/// product coupling as the start).</summary>
public sealed record GromovWassersteinOptions
{
    /// <summary>eps &gt; 0 of the entropic term eps KL(T | p q^T), in the unit of the loss.</summary>
    public required double Epsilon { get; init; }

    /// <summary>The inner loss. Default Square.</summary>
    public GromovLoss Loss { get; init; } = GromovLoss.Square;

    /// <summary>Outer (mirror-descent) iterations at most. Default 1000.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Stop when the Frobenius norm of the change of the coupling is at most this
    /// (POT's tol). Default 1e-9.</summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>The Sinkhorn projection of every outer step: its tolerance (L1 marginal error
    /// relative to the mass) and iteration limit. Defaults 1e-12 and 10,000.</summary>
    public double InnerTolerance { get; init; } = 1e-12;

    /// <summary>The inner Sinkhorn's iteration limit. Default 10,000.</summary>
    public int InnerMaxIterations { get; init; } = 10_000;

    /// <summary>Starts: the first is the product coupling p q^T (POT's); each further one a
    /// random coupling (seeded), since GW is not convex. The result is the start whose
    /// entropic objective ended lowest. Default 1.</summary>
    public int Initializations { get; init; } = 1;

    /// <summary>The seed of the random starts. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Threads over the problems of a batch; -1 (default) uses every core. Results
    /// do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    internal void Validate()
    {
        SinkhornOptions.ValidateIterations(Epsilon, MaxIterations, Tolerance, 1);
        if (!Enum.IsDefined(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), Loss, "Loss must be Square or KL.");
        if (!(InnerTolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(InnerTolerance), InnerTolerance, "InnerTolerance must be nonnegative.");
        if (InnerMaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(InnerMaxIterations), InnerMaxIterations, "InnerMaxIterations must be at least 1.");
        if (Initializations < 1) throw new ArgumentOutOfRangeException(nameof(Initializations), Initializations, "Initializations must be at least 1.");
        Exact.EmdOptions.ValidateParallelism(MaxDegreeOfParallelism);
    }
}
