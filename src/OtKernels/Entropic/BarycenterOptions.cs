namespace OtKernels.Entropic;

/// <summary>Options of the entropic barycenters. Defaults are POT's (ot.bregman.barycenter,
/// convolutional_barycenter2d), so that a comparison runs the same stopping rule.</summary>
public sealed record BarycenterOptions
{
    /// <summary>eps &gt; 0, absolute, in the unit of the cost (pixel^2 on an image grid).</summary>
    public required double Epsilon { get; init; }

    /// <summary>Iteration limit. Default 1000.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Stop when sum_j std_k (P_k^T 1)_j, the spread of the inputs' plans' second
    /// marginals around their mean, falls below this (POT's stopThr). Default 1e-4.</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>The error is computed every CheckEvery iterations (POT: 10). Default 10.</summary>
    public int CheckEvery { get; init; } = 10;

    /// <summary>Over-relaxation omega in [1, 2) of Barycenter.Bregman's two scalings of each
    /// input, in the geometric form v = last^(1 - omega) plain^omega (in potentials X += omega
    /// (plain - X); Thibault, Chizat, Dossal, Papadakis 2021, applied here to barycenters). On
    /// the barycenter side it keeps prod_k v_k^lambda_k = 1, so the iteration has the plain
    /// one's fixed point; the first iteration is plain, and the input side on check
    /// iterations, so POT's stopping rule measures what it measured. 1 (default) is POT's
    /// iteration. The convolutional barycenter refuses omega != 1: its floor under the
    /// logarithm makes where it converges depend on the path. Convergence for omega &gt; 1 is
    /// not guaranteed far from the solution: Diverged or MaxIterations says so.</summary>
    public double OverRelaxation { get; init; } = 1;

    /// <summary>Threads over the inputs; -1 (default) uses every core. Results do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Where Barycenter.Bregman iterates. Default Auto.</summary>
    public BarycenterDomain Domain { get; init; } = BarycenterDomain.Auto;

    /// <summary>The over-relaxations of iteration t (from 0) of the Bregman iteration, each
    /// domain's and the device's: of the barycenter-side scaling (G, x_k) and of the
    /// input-side one (F, a_k / K x_k).</summary>
    internal (double BarycenterSide, double InputSide) RelaxationsAt(int iteration, bool check)
    {
        double omega = iteration == 0 ? 1 : OverRelaxation;
        return (omega, check ? 1 : omega);
    }

    internal void Validate()
    {
        SinkhornOptions.ValidateIterations(Epsilon, MaxIterations, Tolerance, CheckEvery);
        Exact.EmdOptions.ValidateParallelism(MaxDegreeOfParallelism);
        if (!(OverRelaxation >= 1 && OverRelaxation < 2))
            throw new ArgumentOutOfRangeException(nameof(OverRelaxation), OverRelaxation, "OverRelaxation must be in [1, 2).");
        if (!Enum.IsDefined(Domain)) throw new ArgumentOutOfRangeException(nameof(Domain), Domain, "Domain must be Auto, Kernel or Log.");
    }
}

/// <summary>Where the Bregman iterations run.</summary>
public enum BarycenterDomain
{
    /// <summary>The kernel domain on image grids where eps keeps every entry of the
    /// separable kernel a normal double (spacing^2 (side - 1)^2 / eps &lt; 700); the log
    /// domain elsewhere.</summary>
    Auto,
    /// <summary>Scalings u = exp(f / eps) and blurs by K (ImageGridCost only): the fast
    /// form, forced; below Auto's eps it overflows (Diverged) or loses K's underflowed entries.</summary>
    Kernel,
    /// <summary>Potentials and soft-mins of the geometry: any eps, any geometry.</summary>
    Log,
}

/// <summary>A barycenter and how its iterations ended.</summary>
public sealed class BarycenterResult
{
    internal BarycenterResult(double[] barycenter, int iterations, double error, SinkhornStatus status, BarycenterDomain domain)
    {
        Barycenter = barycenter; Iterations = iterations; Error = error; Status = status; Domain = domain;
    }

    /// <summary>The barycenter's masses on the target bins (the cost's columns).</summary>
    public double[] Barycenter { get; }
    /// <summary>Iterations run.</summary>
    public int Iterations { get; }

    /// <summary>The last checked spread sum_j std_k (P_k^T 1)_j.</summary>
    public double Error { get; }
    /// <summary>How the iterations ended; only Converged meets the tolerance.</summary>
    public SinkhornStatus Status { get; }

    /// <summary>Where the iterations ran: Kernel or Log.</summary>
    public BarycenterDomain Domain { get; }
}
