// The reverse pass of SinkhornDivergence.SolveBatch on point clouds, on an accelerator: the
// CPU formulas of SinkhornDivergence.Backward.cs per problem, or the converged reverse
// kernel on a device, run on the cross term and on both self-terms.
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic.Device;
using OtKernels.Entropic;

namespace OtKernels.Autodiff.Entropic;

/// <summary>The reverse pass of the Sinkhorn divergence S_eps = OT(a, b) - OT(a, a)/2 - OT(b, b)/2 at convergence.</summary>
public static partial class SinkhornDivergenceBackward
{
    /// <summary>The gradient of sum_k gradOut_k S_eps(a_k, b_k) at convergence, from
    /// SinkhornDivergence.SolveBatch on this batch.</summary>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static CloudGradients Gradients(Accelerator accelerator, PointCloudBatch batch, SinkhornDivergenceResult<float> result,
        ReadOnlySpan<float> gradOut)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        float[] upstream = CloudGradients.Upstream(batch, gradOut);
        ArgumentNullException.ThrowIfNull(result);
        CloudGradients.ThrowIfOtherShape(result.Cross, batch, nameof(result));
        return accelerator.Run("SinkhornDivergenceBackward.Gradients (SinkhornCloudsBackwardKernel.Gradients, three terms)",
            () => CloudGradients.PerProblem(batch, upstream, (k, ga, gb, gx, gy) =>
            {
                WeightGradients(result, k, ga, gb);
                PositionGradients(result, k, batch.CostOf(k), gx, gy);
            }),
            device => SinkhornCloudsBackwardKernel.RunDivergence(device, batch, result, upstream)
                .WithUnbalancedWeights(batch, upstream, result.Cross.MarginalPenalty, (k, ga, gb) => WeightGradients(result, k, ga, gb)));
    }
}
