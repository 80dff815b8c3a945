// A metric-learning loss over the distances within a mini-batch (Roth et al. 2020's view: a
// loss samples pairs or triplets from the batch and is a function of their distances). It
// reads the batch's distance matrix D (B x B, symmetric) and labels and writes dL/dD, so the
// same loss trains a Euclidean embedding or a Wasserstein one (Dou et al. 2022: wtriplet and
// wcontrastive are triplet and contrastive on the Sinkhorn divergence); the caller takes
// dL/dD back through whichever distance made D.
namespace OtNet.Losses;

/// <summary>A loss of a batch's pairwise distances and labels, with its gradient in the distances.</summary>
public abstract class BatchMetricLoss
{
    /// <summary>Parameters the loss learns itself (the margin loss's beta), stepped with the network's.</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Learned rows [count, dimension] the loss adds to the batch (ProxyNCA's proxies),
    /// or null: the caller scales them to unit length, appends them after the batch's samples
    /// with <see cref="ProxyLabels"/> as their labels, and takes their rows' gradient back to
    /// this parameter through the scaling.</summary>
    public virtual Parameter? Proxies => null;

    /// <summary>The label of each row of <see cref="Proxies"/>.</summary>
    public virtual IReadOnlyList<int> ProxyLabels => [];

    /// <summary>The loss of the batch; writes dL/dD_ij into gradient[i B + j] (zero where the
    /// pair does not count). D_ij and D_ji are one distance: its gradient is the sum of both entries. rng draws the pairs or triplets a sampling rule leaves to chance.</summary>
    /// <exception cref="ArgumentException">Shapes that do not match, or a batch without a pair
    /// the loss needs (a positive, or a negative), named.</exception>
    public double Loss(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int b = labels.Length;
        if (distances.Length != b * b) throw new ArgumentException($"distances has {distances.Length} values for a batch of {b} ({b} x {b}).", nameof(distances));
        if (gradient.Length != b * b) throw new ArgumentException($"gradient has {gradient.Length} values for a batch of {b} ({b} x {b}).", nameof(gradient));
        gradient.Clear();
        return Compute(distances, labels, gradient, rng);
    }

    /// <summary>The loss itself; gradient arrives cleared.</summary>
    protected abstract double Compute(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng);

    /// <summary>u . v = 1 - |u - v|^2 / 2 for unit-length u and v: the similarity the
    /// multi-similarity and N-pair losses are defined on, from a distance.</summary>
    protected static double UnitSimilarity(double distance) => 1 - distance * distance / 2;

    /// <summary>For each anchor with another sample of its class and one of another class, a
    /// positive drawn uniformly from its class (the anchors that have none are left out).</summary>
    protected static List<(int Anchor, int Positive)> DrawPositives(ReadOnlySpan<int> labels, Random rng)
    {
        var pairs = new List<(int, int)>();
        for (int a = 0; a < labels.Length; a++)
        {
            var positives = new List<int>();
            bool negative = false;
            for (int j = 0; j < labels.Length; j++)
            {
                if (j == a) continue;
                if (labels[j] == labels[a]) positives.Add(j);
                else negative = true;
            }
            if (positives.Count > 0 && negative) pairs.Add((a, positives[rng.Next(positives.Count)]));
        }
        if (pairs.Count == 0) throw new ArgumentException("No sample of the batch has both another sample of its class and one of another class.", nameof(labels));
        return pairs;
    }
}
