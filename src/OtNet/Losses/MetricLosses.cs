// Metric-learning losses over any IPairDistance, averaged over the batch, writing the
// gradients with respect to each embedding (overwritten).
//   Contrastive (Hadsell et al. 2006): similar pairs pay d, dissimilar pairs max(0, m - d);
//     the squared form pays d^2 and max(0, m - d)^2.
//   Triplet (Schroff et al. 2015): max(0, d(a, p) - d(a, n) + m).
namespace OtNet.Losses;

/// <summary>What the contrastive loss compares with the margin.</summary>
public enum ContrastiveForm
{
    /// <summary>The distance itself.</summary>
    Plain,
    /// <summary>The distance squared.</summary>
    Squared,
}

/// <summary>Losses that shape an embedding by pairs and triplets: contrastive and triplet margins over any IPairDistance.</summary>
public static class MetricLosses
{
    /// <summary>The contrastive loss of pairs (first[k], second[k]), similar or not, with the gradients of both sides.</summary>
    public static double Contrastive(Tensor first, Tensor second, ReadOnlySpan<bool> similar, double margin, ContrastiveForm form,
        IPairDistance distance, Tensor? firstGradient = null, Tensor? secondGradient = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(distance);
        second.ThrowIfShapeIsNot(first.Shape, nameof(second));
        if (similar.Length != first.Batch) throw new ArgumentException($"similar has {similar.Length} entries for a batch of {first.Batch}.", nameof(similar));
        if (!(margin >= 0)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be nonnegative.");
        if (!Enum.IsDefined(form)) throw new ArgumentOutOfRangeException(nameof(form), form, "Unknown contrastive form.");
        if ((firstGradient is null) != (secondGradient is null)) throw new ArgumentException("Give both gradients or neither.", nameof(secondGradient));
        firstGradient?.ThrowIfShapeIsNot(first.Shape, nameof(firstGradient));
        secondGradient?.ThrowIfShapeIsNot(first.Shape, nameof(secondGradient));
        double sum = 0, scale = 1.0 / first.Batch;
        for (int s = 0; s < first.Batch; s++)
        {
            Span<float> du = firstGradient is null ? [] : firstGradient.Sample(s), dv = secondGradient is null ? [] : secondGradient.Sample(s);
            double d = distance.Distance(first.Sample(s), second.Sample(s), du, dv);
            // loss = f(d); dloss/dd chains onto the distance's gradient.
            (double loss, double slope) = ContrastiveTerm(d, similar[s], margin, form);
            sum += loss;
            if (du.IsEmpty) continue;
            Scale(du, slope * scale);
            Scale(dv, slope * scale);
        }
        return sum * scale;
    }

    /// <summary>One pair's contrastive loss at distance d and its derivative in d: d (or d^2)
    /// for a similar pair, max(0, margin - d) (or its square) for a dissimilar one.</summary>
    public static (double Loss, double Slope) ContrastiveTerm(double d, bool similar, double margin, ContrastiveForm form)
    {
        double hinge = Math.Max(0, margin - d);
        return (similar, form) switch
        {
            (true, ContrastiveForm.Plain) => (d, 1.0),
            (true, _) => (d * d, 2 * d),
            (false, ContrastiveForm.Plain) => (hinge, hinge > 0 ? -1.0 : 0.0),
            (false, _) => (hinge * hinge, -2 * hinge),
        };
    }

    /// <summary>The triplet margin loss of (anchor, positive, negative) under distance, with the gradients of all three.</summary>
    public static double Triplet(Tensor anchor, Tensor positive, Tensor negative, double margin, IPairDistance distance,
        Tensor? anchorGradient = null, Tensor? positiveGradient = null, Tensor? negativeGradient = null)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(distance);
        positive.ThrowIfShapeIsNot(anchor.Shape, nameof(positive));
        negative.ThrowIfShapeIsNot(anchor.Shape, nameof(negative));
        bool wantGradients = anchorGradient is not null;
        if (wantGradients != (positiveGradient is not null) || wantGradients != (negativeGradient is not null))
            throw new ArgumentException("Give all three gradients or none.", nameof(anchorGradient));
        anchorGradient?.ThrowIfShapeIsNot(anchor.Shape, nameof(anchorGradient));
        positiveGradient?.ThrowIfShapeIsNot(anchor.Shape, nameof(positiveGradient));
        negativeGradient?.ThrowIfShapeIsNot(anchor.Shape, nameof(negativeGradient));
        int length = anchor.SampleLength;
        Span<float> daP = !wantGradients ? [] : length <= 512 ? stackalloc float[length] : new float[length];
        Span<float> daN = !wantGradients ? [] : length <= 512 ? stackalloc float[length] : new float[length];
        double sum = 0, scale = 1.0 / anchor.Batch;
        for (int s = 0; s < anchor.Batch; s++)
        {
            Span<float> dp = wantGradients ? positiveGradient!.Sample(s) : [], dn = wantGradients ? negativeGradient!.Sample(s) : [];
            double toPositive = distance.Distance(anchor.Sample(s), positive.Sample(s), daP, dp);
            double toNegative = distance.Distance(anchor.Sample(s), negative.Sample(s), daN, dn);
            double loss = toPositive - toNegative + margin;
            bool active = loss > 0;
            if (active) sum += loss;
            if (!wantGradients) continue;
            double w = active ? scale : 0;
            Span<float> da = anchorGradient!.Sample(s);
            for (int i = 0; i < length; i++) da[i] = (float)(w * ((double)daP[i] - daN[i]));
            Scale(dp, w);
            Scale(dn, -w);
        }
        return sum * scale;
    }

    private static void Scale(Span<float> values, double factor)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] * factor);
    }
}
