// The gradients of a point-cloud batch's values, as the accelerated reverse passes return
// them (Sinkhorn.Backward.Accelerated.cs, SinkhornDivergence.Backward.Accelerated.cs), and
// what those passes share: the checks of their arguments and the CPU path, which computes
// each problem's gradient in double with the single-problem formulas and stores it scaled
// by its upstream gradient.
using OtKernels.Entropic;

namespace OtKernels.Autodiff.Entropic;

/// <summary>Gradients of a point-cloud batch: A [batch, n] and B [batch, m] (each problem's
/// projected onto sum-zero vectors when balanced), X [batch, n, d], Y [batch, m, d].</summary>
public sealed class CloudGradients
{
    internal CloudGradients(PointCloudBatch batch)
    {
        A = new float[batch.Batch * batch.N];
        B = new float[batch.Batch * batch.M];
        X = new float[batch.Batch * batch.N * batch.Dimension];
        Y = new float[batch.Batch * batch.M * batch.Dimension];
    }

    /// <summary>The gradient with respect to the source weights, [batch, n].</summary>
    public float[] A { get; }
    /// <summary>The gradient with respect to the target weights, [batch, m].</summary>
    public float[] B { get; }
    /// <summary>The gradient with respect to the source points, [batch, n, d].</summary>
    public float[] X { get; }
    /// <summary>The gradient with respect to the target points, [batch, m, d].</summary>
    public float[] Y { get; }

    /// <summary>The upstream gradients, checked: one finite value per problem.</summary>
    internal static float[] Upstream(PointCloudBatch batch, ReadOnlySpan<float> gradOut)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowHelper.ThrowIfLengthMismatch(gradOut.Length, batch.Batch, nameof(gradOut), "one upstream gradient per problem");
        for (int k = 0; k < gradOut.Length; k++)
            if (!float.IsFinite(gradOut[k])) throw new ArgumentException($"gradOut[{k}] is {gradOut[k]}; upstream gradients must be finite.", nameof(gradOut));
        return gradOut.ToArray();
    }

    /// <summary>A result of the batch's shape, or an exception naming both shapes.</summary>
    internal static void ThrowIfOtherShape(SinkhornResult<float> result, PointCloudBatch batch, string paramName)
    {
        ArgumentNullException.ThrowIfNull(result, paramName);
        if (result.Batch != batch.Batch || result.N != batch.N || result.M != batch.M)
            throw new ArgumentException($"The result is of {result.Batch} problems of {result.N} x {result.M}, the batch of {batch.Batch} of {batch.N} x {batch.M}.", paramName);
    }

    /// <summary>The CPU path: problem k's gradients of V_k in double by compute(k, ...), stored
    /// scaled by upstream[k], in float, problems in parallel.</summary>
    internal static CloudGradients PerProblem(PointCloudBatch batch, float[] upstream, Action<int, double[], double[], double[], double[]> compute)
    {
        var gradients = new CloudGradients(batch);
        int n = batch.N, m = batch.M, d = batch.Dimension;
        Parallel.For(0, batch.Batch, k =>
        {
            double[] ga = new double[n], gb = new double[m], gx = new double[n * d], gy = new double[m * d];
            compute(k, ga, gb, gx, gy);
            Store(ga, upstream[k], gradients.A.AsSpan(k * n, n));
            Store(gb, upstream[k], gradients.B.AsSpan(k * m, m));
            Store(gx, upstream[k], gradients.X.AsSpan(k * n * d, n * d));
            Store(gy, upstream[k], gradients.Y.AsSpan(k * m * d, m * d));
        });
        return gradients;
    }

    /// <summary>A device pass of an unbalanced result: the reverse kernels write the balanced
    /// weight gradients (centred potentials), so the unbalanced ones, an elementwise map of the
    /// potentials (SinkhornBackward.WeightGradients), replace them here on the host; the
    /// position gradients are the same formula on the plan and stay as computed.</summary>
    internal CloudGradients WithUnbalancedWeights(PointCloudBatch batch, float[] upstream, double marginalPenalty, Action<int, double[], double[]> weights)
    {
        if (double.IsPositiveInfinity(marginalPenalty)) return this;
        int n = batch.N, m = batch.M;
        for (int k = 0; k < batch.Batch; k++)
        {
            double[] ga = new double[n], gb = new double[m];
            weights(k, ga, gb);
            Store(ga, upstream[k], A.AsSpan(k * n, n));
            Store(gb, upstream[k], B.AsSpan(k * m, m));
        }
        return this;
    }

    private static void Store(double[] values, float scale, Span<float> destination)
    {
        for (int i = 0; i < values.Length; i++) destination[i] = (float)(scale * values[i]);
    }
}
