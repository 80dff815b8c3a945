// The debiased Sinkhorn divergence (Genevay, Peyre, Cuturi 2018; Feydy et al. 2019):
//     S_eps(a, b) = OT_eps(a, b) - OT_eps(a, a) / 2 - OT_eps(b, b) / 2,
// nonnegative, zero iff a = b, and interpolating between W (eps -> 0) and an MMD
// (eps -> infinity). Unbalanced (finite MarginalPenalty), the terms are unbalanced OT_eps
// and S gains eps/2 (m(a) - m(b))^2 (Sejourne et al. 2019, Def. 6 and Thm. 1), which keeps
// it positive and zero only for equal measures. The cross term is Sinkhorn.SolveBatch; the self-terms use the
// symmetric update on C(x, x) and C(y, y), which the geometry supplies.
using System.Numerics;
using OtKernels.Accelerators;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

/// <summary>Sinkhorn divergences of a batch: Value[k] = S_eps(a_k, b_k), with the cross
/// result and the self-term potentials FSelfA [batch, n], FSelfB [batch, m] for reverse passes.
/// With OtKernels.Autodiff referenced, the result offers WeightGradients and PositionGradients
/// (ResultGradients; SinkhornDivergenceBackward for batches on an accelerator).</summary>
public sealed class SinkhornDivergenceResult<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal SinkhornDivergenceResult(SinkhornResult<T> cross, int batch)
    {
        Cross = cross;
        Value = new double[batch];
        SelfValueA = new double[batch];
        SelfValueB = new double[batch];
        SelfStatusA = new SinkhornStatus[batch];
        SelfStatusB = new SinkhornStatus[batch];
        SelfMarginalErrorA = new double[batch];
        SelfMarginalErrorB = new double[batch];
        FSelfA = new T[batch * cross.N];
        FSelfB = new T[batch * cross.M];
    }

    /// <summary>S_eps of each problem.</summary>
    public double[] Value { get; }
    /// <summary>The cross problems OT_eps(a, b), with their potentials.</summary>
    public SinkhornResult<T> Cross { get; }
    /// <summary>OT_eps(a, a) of each problem.</summary>
    public double[] SelfValueA { get; }
    /// <summary>OT_eps(b, b) of each problem.</summary>
    public double[] SelfValueB { get; }
    /// <summary>How each source self-term ended.</summary>
    public SinkhornStatus[] SelfStatusA { get; }
    /// <summary>How each target self-term ended.</summary>
    public SinkhornStatus[] SelfStatusB { get; }
    /// <summary>The marginal error of each source self-term.</summary>
    public double[] SelfMarginalErrorA { get; }
    /// <summary>The marginal error of each target self-term.</summary>
    public double[] SelfMarginalErrorB { get; }
    /// <summary>The potentials of the source self-terms [batch, n].</summary>
    public T[] FSelfA { get; }
    /// <summary>The potentials of the target self-terms [batch, m].</summary>
    public T[] FSelfB { get; }
}

/// <summary>The Sinkhorn divergence S_eps(a, b) = OT_eps(a, b) - OT_eps(a, a)/2 - OT_eps(b, b)/2 (Feydy et al. 2019): nonnegative, zero when a = b. Its reverse pass is SinkhornDivergenceBackward in OtKernels.Autodiff.</summary>
public static class SinkhornDivergence
{
    /// <summary>S_eps(a, b) of a single problem (arguments as Sinkhorn.Solve's).</summary>
    /// <exception cref="ArgumentException">As Sinkhorn.Solve, or a cost that cannot supply
    /// C(x, x) and C(y, y) (a dense matrix): use point clouds or an image grid.</exception>
    public static SinkhornDivergenceResult<T> Solve<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, GroundCost cost, SinkhornOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cost);
        return SolveBatch(new ReadOnlyMemory<T>(a.ToArray()), new ReadOnlyMemory<T>(b.ToArray()), _ => cost, options);
    }

    /// <summary>S_eps for a batch with per-problem costs (see Sinkhorn.SolveBatch).</summary>
    /// <exception cref="ArgumentException">As Sinkhorn.SolveBatch, or a cost that cannot
    /// supply C(x, x) and C(y, y) (a dense matrix): use point clouds or an image grid.</exception>
    public static SinkhornDivergenceResult<T> SolveBatch<T>(ReadOnlyMemory<T> a, ReadOnlyMemory<T> b, Func<int, GroundCost> costOf,
        SinkhornOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(costOf);
        ArgumentNullException.ThrowIfNull(options);
        GroundCost first = Sinkhorn.CostOf(costOf, 0);
        if (first.SourceSelfCost() is null || first.TargetSelfCost() is null) throw NoSelfCost(first);
        SinkhornResult<T> cross = Sinkhorn.SolveBatch(a, b, costOf, options);
        int batch = cross.Batch;
        var result = new SinkhornDivergenceResult<T>(cross, batch);
        int n = cross.N, m = cross.M;
        BatchErrors.For(batch, options.MaxDegreeOfParallelism, () => new SinkhornWorkspace<T>(), (k, workspace) =>
        {
            GroundCost cost = Sinkhorn.CostOf(costOf, k);
            GroundCost selfA = cost.SourceSelfCost() ?? throw NoSelfCost(cost);
            GroundCost selfB = cost.TargetSelfCost() ?? throw NoSelfCost(cost);
            // The cross solve validated and rescaled the masses; the self-terms use the same ones.
            (result.SelfValueA[k], result.SelfMarginalErrorA[k], _, result.SelfStatusA[k]) =
                Sinkhorn.SolveOne(selfA, cross.AOf(k), default, options, result.FSelfA.AsSpan(k * n, n), default, workspace);
            (result.SelfValueB[k], result.SelfMarginalErrorB[k], _, result.SelfStatusB[k]) =
                Sinkhorn.SolveOne(selfB, cross.BOf(k), default, options, result.FSelfB.AsSpan(k * m, m), default, workspace);
            result.Value[k] = cross.Value[k] - 0.5 * result.SelfValueA[k] - 0.5 * result.SelfValueB[k]
                + (options.Unbalanced ? MassTerm(cross.AOf(k), cross.BOf(k), options.Epsilon) : 0);
        });
        return result;
    }

    /// <summary>S_eps for a batch with per-problem costs, in double (arrays convert without naming the type).</summary>
    public static SinkhornDivergenceResult<double> SolveBatch(ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, Func<int, GroundCost> costOf,
        SinkhornOptions options) => SolveBatch<double>(a, b, costOf, options);

    /// <summary>S_eps for problems sharing one cost.</summary>
    public static SinkhornDivergenceResult<T> SolveBatch<T>(ReadOnlyMemory<T> a, ReadOnlyMemory<T> b, GroundCost cost, SinkhornOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cost);
        return SolveBatch(a, b, _ => cost, options);
    }

    /// <summary>S_eps for problems sharing one cost, in double (arrays convert without naming the type).</summary>
    public static SinkhornDivergenceResult<double> SolveBatch(ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, GroundCost cost, SinkhornOptions options) =>
        SolveBatch<double>(a, b, cost, options);

    /// <summary>S_eps between the point clouds of each problem of the batch, on the CPU.</summary>
    public static SinkhornDivergenceResult<float> SolveBatch(PointCloudBatch batch, SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        batch.ThrowIfSolvedBalanced(options);
        return SolveBatch(batch.A, batch.B, batch.CostOf, options);
    }

    /// <summary>S_eps between the point clouds of each problem of the batch; on a device the
    /// three problems of each pair (the cross term and both self-terms) run in one launch.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On a device, problems too large for its
    /// shared memory per group.</exception>
    /// <exception cref="AcceleratorException">The device failed (out of memory, launch failure).</exception>
    public static SinkhornDivergenceResult<float> SolveBatch(Accelerator accelerator, PointCloudBatch batch, SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        batch.ThrowIfSolvedBalanced(options);
        return accelerator.Run("SinkhornDivergence.SolveBatch (SinkhornKernel.Divergence)",
            () => SolveBatch(batch, options),
            device => SinkhornKernel.SolveDivergence(device, batch, options));
    }

    /// <summary>The unbalanced divergence's mass term eps/2 (m(a) - m(b))^2 (Sejourne et al.
    /// 2019, Def. 6), which makes it positive and zero only for equal measures.</summary>
    internal static double MassTerm<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, double epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double difference = 0;
        foreach (T w in a) difference += double.CreateTruncating(w);
        foreach (T w in b) difference -= double.CreateTruncating(w);
        return 0.5 * epsilon * difference * difference;
    }

    private static ArgumentException NoSelfCost(GroundCost cost) =>
        new($"A {cost.GetType().Name} cannot supply the self-costs C(x, x) and C(y, y) the divergence needs; use PointCloudCost or ImageGridCost.", "costOf");
}
