// The N-pair loss (Sohn 2016) on the similarities of unit-length embeddings, S_ij = u_i . u_j =
// 1 - D_ij^2 / 2 (so dS/dD = -D): each anchor a with a positive p drawn from its class is
// classified against every sample of another class in the batch,
//   L_a = log(1 + sum_{k: y_k != y_a} exp(S_ak - S_ap)),
// averaged over the anchors. (The embeddings' L2 penalty of the original is constant on the
// sphere and left out.)
namespace OtNet.Losses;

/// <summary>N-pair loss over the batch, for embeddings on the unit sphere.</summary>
public sealed class NPairBatchLoss : BatchMetricLoss
{
    /// <inheritdoc/>
    protected override double Compute(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng)
    {
        int b = labels.Length;
        List<(int Anchor, int Positive)> pairs = DrawPositives(labels, rng);
        double sum = 0;
        foreach ((int a, int p) in pairs)
        {
            double toPositive = 1 - distances[a * b + p] * distances[a * b + p] / 2;
            // log(1 + sum exp(x_k)) with x_k = S_ak - S_ap, computed from the largest term.
            double top = 0;
            for (int k = 0; k < b; k++)
                if (labels[k] != labels[a]) top = Math.Max(top, 1 - distances[a * b + k] * distances[a * b + k] / 2 - toPositive);
            double total = Math.Exp(-top);
            for (int k = 0; k < b; k++)
                if (labels[k] != labels[a]) total += Math.Exp(1 - distances[a * b + k] * distances[a * b + k] / 2 - toPositive - top);
            sum += top + Math.Log(total);
            double toPositiveSlope = 0;
            for (int k = 0; k < b; k++)
            {
                if (labels[k] == labels[a]) continue;
                double weight = Math.Exp(1 - distances[a * b + k] * distances[a * b + k] / 2 - toPositive - top) / total;
                gradient[a * b + k] += weight * -distances[a * b + k] / pairs.Count;
                toPositiveSlope -= weight;
            }
            gradient[a * b + p] += toPositiveSlope * -distances[a * b + p] / pairs.Count;
        }
        return sum / pairs.Count;
    }
}
