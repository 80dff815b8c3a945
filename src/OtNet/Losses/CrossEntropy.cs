// Softmax cross-entropy from logits, fused for stability: L = (1/B) sum_s -log softmax(z_s)[y_s],
// dL/dz = (softmax(z) - onehot(y)) / B. Use it on the logits (no Softmax layer before it).
using System.Numerics.Tensors;

namespace OtNet.Losses;

/// <summary>The cross-entropy of class labels.</summary>
public static class CrossEntropy
{
    /// <summary>The mean cross-entropy of softmax(logits) against labels; writes d/dlogits into gradient when given.</summary>
    public static double FromLogits(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradient = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Shape.Length != 2) throw new ArgumentException($"logits must be [batch, classes], not [{string.Join(", ", logits.Shape)}].", nameof(logits));
        if (labels.Length != logits.Batch) throw new ArgumentException($"labels has {labels.Length} entries for a batch of {logits.Batch}.", nameof(labels));
        gradient?.ThrowIfShapeIsNot(logits.Shape, nameof(gradient));
        int classes = logits.Shape[1];
        double sum = 0, scale = 1.0 / logits.Batch;
        for (int s = 0; s < logits.Batch; s++)
        {
            int y = labels[s];
            if ((uint)y >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"labels[{s}] is {y}; classes are 0 to {classes - 1}.");
            ReadOnlySpan<float> z = logits.Sample(s);
            double max = TensorPrimitives.Max(z); // differences in double: the loss is exact for its float inputs
            double total = 0;
            for (int c = 0; c < classes; c++) total += Math.Exp(z[c] - max);
            sum += Math.Log(total) - ((double)z[y] - max);
            if (gradient is null) continue;
            Span<float> g = gradient.Sample(s);
            for (int c = 0; c < classes; c++) g[c] = (float)((Math.Exp(z[c] - max) / total - (c == y ? 1 : 0)) * scale);
        }
        return sum * scale;
    }
}
