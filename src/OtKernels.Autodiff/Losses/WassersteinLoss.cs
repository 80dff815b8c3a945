// The Wasserstein loss for histogram outputs (Frogner, Zhang, Mobahi, Araya, Poggio 2015,
// "Learning with a Wasserstein loss"): for a predicted histogram h over K labels and a
// target y, the loss is the entropic OT value OT_eps(h, y) under a ground metric M between
// labels (Frogner's section 3; we use the log-domain solver, not their kernel iterations).
// Its gradient with respect to h is the dual potential f, centred (their eq. 4: alpha minus
// its mean), since h lives on the simplex. Behind a softmax h = softmax(z), the chain rule
// gives dL/dz = h * (f - <h, f>), the Jacobian of softmax applied to f.
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Losses;

/// <summary>The entropic Wasserstein loss for histogram outputs (Frogner et al. 2015) and its gradients, with respect to the predicted histograms or behind a softmax.</summary>
public static class WassersteinLoss
{
    /// <summary>Losses OT_eps(h_k, y_k) of a batch and, if the spans are not empty, their
    /// gradients with respect to the predictions h ([batch, K], sum-zero rows) and to the
    /// logits z behind h = softmax(z).</summary>
    /// <param name="labelCost">M, K x K, between labels.</param>
    /// <param name="predictions">h, [batch, K]: rows are histograms (e.g. softmax outputs).</param>
    /// <param name="targets">y, [batch, K]: rows are histograms (one-hot allowed).</param>
    /// <param name="options">Sinkhorn options; Converged mode (the envelope gradient).</param>
    /// <param name="losses">Receives the batch's losses.</param>
    public static void Compute(GroundCost labelCost, ReadOnlyMemory<double> predictions, ReadOnlyMemory<double> targets, SinkhornOptions options,
        Span<double> losses, Span<double> gradientPredictions = default, Span<double> gradientLogits = default)
    {
        ArgumentNullException.ThrowIfNull(labelCost);
        int k = labelCost.Rows;
        if (labelCost.Cols != k) throw new ArgumentException($"The label cost must be square; it is {labelCost.Rows} x {labelCost.Cols}.", nameof(labelCost));
        if (options.Mode != SinkhornMode.Converged)
            throw new ArgumentException("The Wasserstein loss uses the envelope gradient: Mode must be Converged.", nameof(options));
        int batch = predictions.Length / k;
        ThrowHelper.ThrowIfLengthMismatch(predictions.Length, batch * k, nameof(predictions), $"rows of {k} labels");
        ThrowHelper.ThrowIfLengthMismatch(losses.Length, batch, nameof(losses), "the batch size");
        if (!gradientPredictions.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(gradientPredictions.Length, batch * k, nameof(gradientPredictions), "[batch, K]");
        if (!gradientLogits.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(gradientLogits.Length, batch * k, nameof(gradientLogits), "[batch, K]");

        SinkhornResult<double> result = Sinkhorn.SolveBatch(predictions, targets, labelCost, options);
        result.Value.CopyTo(losses);
        if (gradientPredictions.IsEmpty && gradientLogits.IsEmpty) return;
        ReadOnlySpan<double> h = predictions.Span;
        var dh = new double[k];
        var unusedB = new double[k];
        for (int p = 0; p < batch; p++)
        {
            SinkhornBackward.WeightGradients(result, p, dh, unusedB);
            if (!gradientPredictions.IsEmpty) dh.CopyTo(gradientPredictions.Slice(p * k, k));
            if (!gradientLogits.IsEmpty)
            {
                ReadOnlySpan<double> hp = h.Slice(p * k, k);
                double mean = 0;
                for (int i = 0; i < k; i++) mean += hp[i] * dh[i];
                for (int i = 0; i < k; i++) gradientLogits[p * k + i] = hp[i] * (dh[i] - mean);
            }
        }
    }
}
