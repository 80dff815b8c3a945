// What an entropic distance between two point clouds is, as the Wasserstein embeddings of
// Frogner, Mirzazadeh and Solomon (2019) train with it: L fixed Sinkhorn iterations at eps
// on a ground metric, then one of three readings of the result.
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic;

/// <summary>Which number an entropic distance reports after its L iterations.</summary>
public enum EntropicDistanceKind
{
    /// <summary>The transport cost &lt;P, C&gt; of the plan P_ij = a_i b_j exp((f_i + g_j -
    /// C_ij)/eps) (Cuturi's Sinkhorn distance; Frogner et al. 2019).</summary>
    TransportCost,
    /// <summary>The entropic value OT_eps = &lt;a, f&gt; + &lt;b, g&gt;.</summary>
    Value,
    /// <summary>The Sinkhorn divergence S_eps = OT_eps(a, b) - OT_eps(a, a)/2 - OT_eps(b, b)/2
    /// (Feydy et al. 2019), each term unrolled over the same L iterations.</summary>
    Divergence,
}

/// <summary>How the gradient of an entropic distance is taken.</summary>
public enum EntropicGradient
{
    /// <summary>The exact gradient of what the L iterations computed: the reverse pass
    /// through every iteration.</summary>
    Unrolled,
    /// <summary>The plan held fixed: dC_ij gets P_ij (minus half of each self-term's plan for
    /// the divergence), as if the iterations had converged (Danskin's envelope theorem). Exact
    /// for OT_eps and S_eps at convergence; for &lt;P, C&gt; it leaves out the plan's own
    /// change. No reverse pass through the iterations, and only the last weights are kept.</summary>
    Envelope,
}

/// <summary>An entropic distance between uniform point clouds: eps, the iterations, the
/// reading, the ground metric and the gradient.</summary>
public sealed record EntropicDistanceOptions
{
    /// <summary>The regularisation, in the unit of the ground cost.</summary>
    public double Epsilon { get; init; } = 0.1;

    /// <summary>L, the Sinkhorn iterations run and differentiated through.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>What is reported: &lt;P, C&gt;, OT_eps or S_eps.</summary>
    public EntropicDistanceKind Kind { get; init; } = EntropicDistanceKind.TransportCost;

    /// <summary>The ground metric: SqEuclidean (|x - y|^2) or Euclidean (|x - y|).</summary>
    public GroundMetric Metric { get; init; } = GroundMetric.SqEuclidean;

    /// <summary>Unrolled (exact for the L iterations) or Envelope (the plan held fixed).</summary>
    public EntropicGradient Gradient { get; init; } = EntropicGradient.Unrolled;

    /// <summary>Threads over the pairs of a batch; -1 for all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Refuses options out of range, naming the option.</summary>
    public void Validate()
    {
        if (!(Epsilon > 0) || double.IsInfinity(Epsilon)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Epsilon must be positive and finite.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "Iterations must be at least 1.");
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Kind must be TransportCost, Value or Divergence.");
        if (Metric is not (GroundMetric.SqEuclidean or GroundMetric.Euclidean))
            throw new ArgumentOutOfRangeException(nameof(Metric), Metric, "Metric must be SqEuclidean or Euclidean.");
        if (!Enum.IsDefined(Gradient)) throw new ArgumentOutOfRangeException(nameof(Gradient), Gradient, "Gradient must be Unrolled or Envelope.");
        if (MaxDegreeOfParallelism is 0 or < -1) throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "MaxDegreeOfParallelism must be -1 or positive.");
    }
}
