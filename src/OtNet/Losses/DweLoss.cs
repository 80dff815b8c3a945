// The loss of Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018, eq. 2) on a batch of
// B pairs (x1, x2, y = W2^2(x1, x2)), forward and backward side by side:
//     L = (1/B) sum_pairs (|z1 - z2|^2 - y)^2                       (the distance term)
//       + wKL (1/B) sum_pairs [KL(x1 || psi(z1)) + KL(x2 || psi(z2))]
//       + wS  (1/B) sum_pairs [S(psi(z1)) + S(psi(z2))]             (ReconstructionLoss)
// with z = phi(x). d/dz1 of the distance term is 4 r (z1 - z2) / B with r = |z1 - z2|^2 - y,
// and its negative for z2.
namespace OtNet.Losses;

/// <summary>The weights of Deep Wasserstein Embedding's loss (the authors': 10 and 1e-3).</summary>
public sealed record DweLossWeights
{
    /// <summary>lambda_KL, the reconstruction's weight.</summary>
    public double KlWeight { get; init; } = 10;
    /// <summary>lambda_s, the l_1/2 sparsity penalty's weight.</summary>
    public double SparsityWeight { get; init; } = 1e-3;

    /// <summary>Refuses weights out of range, naming the option.</summary>
    public void Validate()
    {
        if (!(KlWeight >= 0) || double.IsInfinity(KlWeight)) throw new ArgumentOutOfRangeException(nameof(KlWeight), KlWeight, "KlWeight must be finite and nonnegative.");
        if (!(SparsityWeight >= 0) || double.IsInfinity(SparsityWeight)) throw new ArgumentOutOfRangeException(nameof(SparsityWeight), SparsityWeight, "SparsityWeight must be finite and nonnegative.");
    }
}

/// <summary>Deep Wasserstein Embedding's loss (eq. 2) on a batch of pairs, with its gradients.</summary>
public static class DweLoss
{
    /// <summary>The loss and its distance term on B pairs. embeddings [2B, E] holds phi of
    /// the first images then of the second, logits [2B, pixels] the decoder's output for
    /// them, images [2B, pixels] the images themselves, distances the B targets y. When
    /// given, embeddingGradient receives dL/dz of the distance term and logitGradient dL/dlogits
    /// of the reconstruction (both overwritten; the decoder's backward adds the second to the first).</summary>
    public static (double Loss, double DistanceMse) Evaluate(Tensor embeddings, Tensor logits, Tensor images, ReadOnlySpan<double> distances,
        DweLossWeights weights, Tensor? embeddingGradient = null, Tensor? logitGradient = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(weights);
        int size = distances.Length, e = embeddings.Shape[^1];
        if (embeddings.Batch != 2 * size)
            throw new ArgumentException($"embeddings hold {embeddings.Batch} rows for {size} pairs; need 2 x {size} (first images, then second).", nameof(embeddings));
        embeddingGradient?.ThrowIfShapeIsNot(embeddings.Shape, nameof(embeddingGradient));
        double distance = 0;
        for (int b = 0; b < size; b++)
        {
            Span<float> z1 = embeddings.Sample(b), z2 = embeddings.Sample(size + b);
            double r = SquaredDistance(z1, z2) - distances[b];
            distance += r * r;
            if (embeddingGradient is null) continue;
            Span<float> g1 = embeddingGradient.Sample(b), g2 = embeddingGradient.Sample(size + b);
            double scale = 4 * r / size;
            for (int i = 0; i < e; i++)
            {
                float g = (float)(scale * ((double)z1[i] - z2[i]));
                g1[i] = g;
                g2[i] = -g;
            }
        }
        distance /= size;
        // Means over the 2B images; twice them are means over pairs of the two images' terms.
        (double kl, double sparsity) = ReconstructionLoss.FromLogits(logits, images, 2 * weights.KlWeight, 2 * weights.SparsityWeight, logitGradient);
        return (distance + 2 * weights.KlWeight * kl + 2 * weights.SparsityWeight * sparsity, distance);
    }

    /// <summary>|a - b|^2, summed in double.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
