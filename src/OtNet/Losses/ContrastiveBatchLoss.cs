// The contrastive loss over every pair of a batch (Hadsell, Chopra and LeCun 2006; Dou et al.
// 2022 eq. 1 as wcontrastive): L = (1/|P|) sum_{i<j} 1[y_i = y_j] d_ij + 1[y_i != y_j] [gamma - d_ij]_+,
// or with d^2 and [gamma - d]_+^2 in the squared form. |P| = B(B-1)/2, every pair.
namespace OtNet.Losses;

/// <summary>Contrastive loss over all pairs of the batch.</summary>
public sealed class ContrastiveBatchLoss : BatchMetricLoss
{
    /// <summary>With margin gamma and the plain or squared form.</summary>
    public ContrastiveBatchLoss(double margin, ContrastiveForm form = ContrastiveForm.Plain)
    {
        if (!(margin > 0) || double.IsInfinity(margin)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be positive and finite.");
        if (!Enum.IsDefined(form)) throw new ArgumentOutOfRangeException(nameof(form), form, "Unknown contrastive form.");
        (Margin, Form) = (margin, form);
    }

    /// <summary>gamma.</summary>
    public double Margin { get; }
    /// <summary>Plain or squared.</summary>
    public ContrastiveForm Form { get; }

    /// <inheritdoc/>
    protected override double Compute(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng)
    {
        int b = labels.Length;
        if (b < 2) throw new ArgumentException("A batch of one sample has no pairs.", nameof(labels));
        double pairs = b * (b - 1) / 2.0, sum = 0;
        for (int i = 0; i < b; i++)
            for (int j = i + 1; j < b; j++)
            {
                (double loss, double slope) = MetricLosses.ContrastiveTerm(distances[i * b + j], labels[i] == labels[j], Margin, Form);
                sum += loss;
                gradient[i * b + j] = slope / pairs;
            }
        return sum / pairs;
    }
}
