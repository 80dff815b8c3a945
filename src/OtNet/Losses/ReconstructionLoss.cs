// The decoder's loss in Deep Wasserstein Embedding (Courty et al. 2018, eq. 2 and section
// 4.1), from logits l over the pixels, p = softmax(l), fused for stability as CrossEntropy is:
//     KL(x || p)   = sum_i x_i (log x_i - l_i + lse(l))            (terms with x_i = 0 are 0)
//     S(p)         = sum_i p_i^(1/2)                               (the l_{1/2} sparsity penalty)
//     L = (1/B) sum_s [wKL KL(x_s || p_s) + wS S(p_s)]
// with gradients dKL/dl_j = p_j sum_i x_i - x_j and dS/dl_j = (sqrt(p_j) - p_j S) / 2. A
// softmax layer followed by a loss on p would divide by p, which underflows in float for
// confident pixels; here nothing is divided by p.
using System.Numerics.Tensors;

namespace OtNet.Losses;

/// <summary>Deep Wasserstein Embedding's decoder loss from logits: softmax, KL to the input image and the l_1/2 sparsity penalty, fused.</summary>
public static class ReconstructionLoss
{
    /// <summary>Returns (mean KL, mean S) over the batch; writes dL/dlogits into gradient
    /// (overwritten) when given.</summary>
    /// <exception cref="ArgumentException">Shapes differ, or a target entry is negative or NaN.</exception>
    public static (double Kl, double Sparsity) FromLogits(Tensor logits, Tensor target, double klWeight, double sparsityWeight, Tensor? gradient = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        if (logits.Shape.Length != 2) throw new ArgumentException($"logits must be [batch, pixels], not [{string.Join(", ", logits.Shape)}].", nameof(logits));
        target.ThrowIfShapeIsNot(logits.Shape, nameof(target));
        gradient?.ThrowIfShapeIsNot(logits.Shape, nameof(gradient));
        int pixels = logits.Shape[1];
        double kl = 0, sparsity = 0, scale = 1.0 / logits.Batch;
        var p = new double[pixels];
        for (int s = 0; s < logits.Batch; s++)
        {
            ReadOnlySpan<float> l = logits.Sample(s), x = target.Sample(s);
            double max = TensorPrimitives.Max(l), total = 0, mass = 0;
            for (int i = 0; i < pixels; i++) total += p[i] = Math.Exp(l[i] - max);
            double lse = max + Math.Log(total), root = 0;
            for (int i = 0; i < pixels; i++)
            {
                p[i] /= total;
                root += Math.Sqrt(p[i]);
                double xi = x[i];
                if (!(xi >= 0)) throw new ArgumentException($"target[{s}, {i}] is {xi}; a histogram is nonnegative.", nameof(target));
                if (xi > 0) kl += xi * (Math.Log(xi) - l[i] + lse);
                mass += xi;
            }
            sparsity += root;
            if (gradient is null) continue;
            Span<float> g = gradient.Sample(s);
            for (int i = 0; i < pixels; i++)
                g[i] = (float)(scale * (klWeight * (p[i] * mass - x[i]) + sparsityWeight * 0.5 * (Math.Sqrt(p[i]) - p[i] * root)));
        }
        return (kl * scale, sparsity * scale);
    }
}
