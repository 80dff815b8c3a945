using System.Numerics;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

/// <summary>How one problem's iterations ended (OTT's statuses). Only Converged certifies
/// the result: the plan rebuilt from the returned potentials has row marginals within
/// Tolerance x mass, rounding of the precision included. Declared best to worst.</summary>
public enum SinkhornStatus
{
    /// <summary>The row marginals meet the tolerance, rounding included.</summary>
    Converged,
    /// <summary>The iteration limit came first (always the case in Unrolled mode unless the
    /// final check passes).</summary>
    MaxIterations,
    /// <summary>A potential became NaN or infinite.</summary>
    Diverged,
    /// <summary>Epsilon is too small against the costs for the precision: the exponents
    /// (f_i + g_j - C_ij) / eps of the plan carry a rounding error of about
    /// 4 u (max|f| + max|g|) / eps (u = 2^-53 in double, 2^-24 in float) larger than Tolerance, so no marginal error
    /// within Tolerance can be certified. Raise Epsilon (or the Tolerance), or solve in
    /// double. MarginalError then reports that rounding bound, not the unreliable sum.</summary>
    PrecisionLimit,
}

/// <summary>Results of a Sinkhorn batch: per problem k, the values below and the dual
/// potentials F[k n .. (k+1) n), G[k m .. (k+1) m).</summary>
/// <remarks>The potentials satisfy g = softmin(f) exactly, so the column marginals of the
/// plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) hold to rounding and the row marginals
/// are off by MarginalError. Value is the dual objective &lt;a, f&gt; + &lt;b, g&gt;, which for this
/// pair equals the entropic OT value OT_eps = min_P &lt;P, C&gt; + eps KL(P | a x b) up to the
/// marginal error. Unbalanced (MarginalPenalty finite): the row marginals are off by
/// MarginalError from their fixed point a exp(-f / rho), and Value is the unbalanced dual
/// objective (Sinkhorn.UnbalancedValue), equal to min_P &lt;P, C&gt; + eps KL(P | a x b) +
/// rho KL(P 1 | a) + rho KL(P^T 1 | b) at convergence. Gradients: with the OtKernels.Autodiff package referenced, the result
/// offers WeightGradients, PositionGradients and CostGradient (ResultGradients, extension
/// methods of this namespace; SinkhornBackward for batches, accelerators and unrolled runs).</remarks>
public sealed class SinkhornResult<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Func<int, GroundCost> _costOf;
    private readonly T[] _a, _b;

    internal SinkhornResult(int batch, int n, int m, double epsilon, Func<int, GroundCost> costOf, T[] a, T[] b,
        double marginalPenalty = double.PositiveInfinity)
    {
        Batch = batch; N = n; M = m; Epsilon = epsilon; MarginalPenalty = marginalPenalty;
        _costOf = costOf; _a = a; _b = b;
        F = new T[batch * n]; G = new T[batch * m];
        Value = new double[batch]; MarginalError = new double[batch];
        Iterations = new int[batch]; Status = new SinkhornStatus[batch];
    }

    /// <summary>Problems in the result.</summary>
    public int Batch { get; }
    /// <summary>Source points or bins per problem.</summary>
    public int N { get; }
    /// <summary>Target points or bins per problem.</summary>
    public int M { get; }
    /// <summary>The regularisation the problems were solved at.</summary>
    public double Epsilon { get; }
    /// <summary>The marginal penalty rho the problems were solved at (+infinity: balanced).</summary>
    public double MarginalPenalty { get; }
    /// <summary>The source potentials f [batch, n].</summary>
    public T[] F { get; }
    /// <summary>The target potentials g [batch, m].</summary>
    public T[] G { get; }
    /// <summary>OT_eps of each problem: &lt;a, f&gt; + &lt;b, g&gt; (balanced), or the unbalanced dual objective.</summary>
    public double[] Value { get; }
    /// <summary>Each problem's row-marginal error sum_i |P 1 - a|_i at the end.</summary>
    public double[] MarginalError { get; }
    /// <summary>Iterations each problem ran.</summary>
    public int[] Iterations { get; }
    /// <summary>How each problem ended.</summary>
    public SinkhornStatus[] Status { get; }

    /// <summary>Problem k's source potentials.</summary>
    public ReadOnlySpan<T> FOf(int k) => F.AsSpan(k * N, N);

    /// <summary>The target masses of problem k as solved (balanced: rescaled to the mass of a).</summary>
    public ReadOnlySpan<T> BOf(int k) => _b.AsSpan(k * M, M);

    /// <summary>Problem k's source weights, as solved.</summary>
    public ReadOnlySpan<T> AOf(int k) => _a.AsSpan(k * N, N);
    /// <summary>Problem k's target potentials.</summary>
    public ReadOnlySpan<T> GOf(int k) => G.AsSpan(k * M, M);

    /// <summary>The CPU solver's certification applied to statuses computed elsewhere, by the
    /// device kernels: each Converged is checked again by Sinkhorn.CheckStatus at the final
    /// iteration with the rounding floor of the returned potentials, so it stays Converged,
    /// or becomes PrecisionLimit or MaxIterations; a value that is not finite is never Converged.</summary>
    internal void Certify(SinkhornOptions options)
    {
        for (int k = 0; k < Batch; k++)
        {
            if (Status[k] != SinkhornStatus.Converged) continue;
            double mass = 0;
            foreach (T w in AOf(k)) mass += double.CreateTruncating(w);
            double floor = Sinkhorn.PrecisionFloor(AOf(k), FOf(k), BOf(k), GOf(k), Epsilon);
            double error = MarginalError[k];
            SinkhornStatus status = Sinkhorn.CheckStatus(ref error, floor, mass, options, options.MaxIterations) ?? SinkhornStatus.MaxIterations;
            (Status[k], MarginalError[k]) = (Sinkhorn.Finished(status, Value[k]), error);
        }
    }

    /// <summary>The plan of problem k, dense row-major n x m (O(n m) cost evaluations).</summary>
    public double[] Plan(int k)
    {
        var plan = new double[N * M];
        ForEachPlanEntry(k, (i, j, p, _) => plan[i * M + j] = p);
        return plan;
    }

    /// <summary>&lt;P, C&gt; of problem k, the transport cost of the entropic plan (Cuturi 2013);
    /// O(n m) cost evaluations, computed on request.</summary>
    public double TransportCost(int k)
    {
        double total = 0;
        ForEachPlanEntry(k, (_, _, p, c) => total += p * c);
        return total;
    }

    private void ForEachPlanEntry(int k, Action<int, int, double, double> visit)
    {
        GroundCost cost = _costOf(k);
        ReadOnlySpan<T> f = FOf(k), g = GOf(k);
        for (int i = 0; i < N; i++)
        {
            double ai = double.CreateTruncating(_a[k * N + i]);
            if (ai == 0) continue;
            for (int j = 0; j < M; j++)
            {
                double bj = double.CreateTruncating(_b[k * M + j]);
                if (bj == 0) continue;
                double c = cost[i, j];
                // f + g - C <= 0 up to the marginal error, so exp does not overflow.
                double p = ai * bj * Math.Exp((double.CreateTruncating(f[i]) + double.CreateTruncating(g[j]) - c) / Epsilon);
                visit(i, j, p, c);
            }
        }
    }
}
