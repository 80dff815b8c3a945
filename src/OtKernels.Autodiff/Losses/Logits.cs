// The softmax of one sample's float logits in double, p_c = exp(z_c - max z) / sum exp(z - max z):
// shifting by the maximum keeps every exponential in (0, 1], so no logit overflows, and double
// keeps the small probabilities the label-space losses multiply by distances.
namespace OtKernels.Autodiff.Losses;

/// <summary>Helpers on a classifier's logits.</summary>
public static class Logits
{
    /// <summary>Writes softmax(logits) into probabilities (same length).</summary>
    /// <param name="logits">One sample's logits; each finite.</param>
    /// <param name="probabilities">Receives the probabilities.</param>
    /// <param name="sample">The sample's index in its batch, named in the error.</param>
    /// <exception cref="ArgumentException">A length mismatch or a logit that is not finite, named with the sample and class.</exception>
    public static void Softmax(ReadOnlySpan<float> logits, Span<double> probabilities, int sample = 0)
    {
        ThrowHelper.ThrowIfLengthMismatch(probabilities.Length, logits.Length, nameof(probabilities), $"[{logits.Length}]");
        double max = double.NegativeInfinity;
        for (int c = 0; c < logits.Length; c++)
        {
            if (!float.IsFinite(logits[c])) throw new ArgumentException($"The logit of sample {sample}, class {c} is {logits[c]}; logits must be finite.", nameof(logits));
            max = Math.Max(max, logits[c]);
        }
        double sum = 0;
        for (int c = 0; c < logits.Length; c++) sum += probabilities[c] = Math.Exp(logits[c] - max);
        for (int c = 0; c < logits.Length; c++) probabilities[c] /= sum;
    }
}
