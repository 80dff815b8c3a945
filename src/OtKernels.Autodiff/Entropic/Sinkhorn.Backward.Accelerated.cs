// Reverse passes of Sinkhorn.SolveBatch on point clouds, on an accelerator: the CPU formulas
// of Sinkhorn.Backward.cs (converged, envelope theorem) and Sinkhorn.Backward.Unrolled.cs
// (the exact gradient of L iterations), per problem on the CPU, and the reverse kernels of
// Device/ on a device. Each takes upstream gradients gradOut [batch] of the problems'
// values, so that one call returns the gradient of sum_k gradOut_k V_k (a loss over the batch).
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic.Device;
using OtKernels.Entropic;

namespace OtKernels.Autodiff.Entropic;

/// <summary>Reverse passes of Sinkhorn: the gradients of OT_eps with respect to the weights, the points and the cost, at convergence (envelope theorem) or through L unrolled iterations; single problems in double, point-cloud batches on an accelerator.</summary>
public static partial class SinkhornBackward
{
    /// <summary>Converged mode: the gradient of sum_k gradOut_k OT_eps(a_k, b_k) at the
    /// potentials of <paramref name="result"/> (Sinkhorn.SolveBatch on this batch).</summary>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static CloudGradients Gradients(Accelerator accelerator, PointCloudBatch batch, SinkhornResult<float> result, ReadOnlySpan<float> gradOut)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        float[] upstream = CloudGradients.Upstream(batch, gradOut);
        CloudGradients.ThrowIfOtherShape(result, batch, nameof(result));
        return accelerator.Run("SinkhornBackward.Gradients (SinkhornCloudsBackwardKernel.Gradients)",
            () => CloudGradients.PerProblem(batch, upstream, (k, ga, gb, gx, gy) =>
            {
                WeightGradients(result, k, ga, gb);
                PositionGradients(result, k, batch.CostOf(k), gx, gy);
            }),
            device => SinkhornCloudsBackwardKernel.Run(device, batch, result, upstream)
                .WithUnbalancedWeights(batch, upstream, result.MarginalPenalty, (k, ga, gb) => WeightGradients(result, k, ga, gb)));
    }

    /// <summary>Unrolled mode: runs exactly options.MaxIterations iterations (no epsilon
    /// scaling) and returns the values with the exact gradient of sum_k gradOut_k V_k through
    /// them. On a device the iterates stay in device memory: batch x L x (n + m) floats.</summary>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static (SinkhornResult<float> Result, CloudGradients Gradients) UnrolledValueAndGradients(Accelerator accelerator,
        PointCloudBatch batch, SinkhornOptions options, ReadOnlySpan<float> gradOut)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        float[] upstream = CloudGradients.Upstream(batch, gradOut);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        batch.ThrowIfSolvedBalanced(options);
        if (options.Mode != SinkhornMode.Unrolled || options.EpsilonScaling != 0)
            throw new ArgumentException("Unrolled gradients differentiate a run with Mode = Unrolled and EpsilonScaling = 0.", nameof(options));
        return accelerator.Run("SinkhornBackward.UnrolledValueAndGradients (SinkhornKernel.Clouds, SinkhornCloudsUnrolledKernel.Gradients)",
            () => UnrolledOnCpu(batch, options, upstream),
            device => SinkhornCloudsUnrolledKernel.ValueAndGradients(device, batch, options, upstream));
    }

    private static (SinkhornResult<float>, CloudGradients) UnrolledOnCpu(PointCloudBatch batch, SinkhornOptions options, float[] upstream)
    {
        int n = batch.N, m = batch.M;
        var result = new SinkhornResult<float>(batch.Batch, n, m, options.Epsilon, batch.CostOf, batch.A.ToArray(), batch.B.ToArray(), options.MarginalPenalty);
        CloudGradients gradients = CloudGradients.PerProblem(batch, upstream, (k, ga, gb, gx, gy) =>
        {
            var tape = new SinkhornTape<float>();
            var cost = batch.CostOf(k);
            SinkhornResult<float> one = Sinkhorn.Solve(batch.A.Span.Slice(k * n, n), batch.B.Span.Slice(k * m, m), cost, options, tape);
            one.F.CopyTo(result.F.AsSpan(k * n));
            one.G.CopyTo(result.G.AsSpan(k * m));
            (result.Value[k], result.MarginalError[k], result.Iterations[k], result.Status[k]) = (one.Value[0], one.MarginalError[0], one.Iterations[0], one.Status[0]);
            UnrolledGradients(tape, cost, batch.A.Span.Slice(k * n, n), batch.B.Span.Slice(k * m, m), ga, gb, gx, gy);
        });
        return (result, gradients);
    }
}
