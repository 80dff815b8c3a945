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
        var excess = new double[b]; // S_ak - S_ap for the anchor's negatives, -inf elsewhere
        foreach ((int a, int p) in pairs)
        {
            double toPositive = UnitSimilarity(distances[a * b + p]), top = 0;
            for (int k = 0; k < b; k++)
            {
                excess[k] = labels[k] != labels[a] ? UnitSimilarity(distances[a * b + k]) - toPositive : double.NegativeInfinity;
                top = Math.Max(top, excess[k]);
            }
            // log(1 + sum exp(x_k)), computed from the largest term.
            double total = Math.Exp(-top);
            for (int k = 0; k < b; k++) total += Math.Exp(excess[k] - top);
            sum += top + Math.Log(total);
            double toPositiveSlope = 0;
            for (int k = 0; k < b; k++)
            {
                double weight = Math.Exp(excess[k] - top) / total; // dL/dS_ak; 0 off the negatives
                gradient[a * b + k] += weight * -distances[a * b + k] / pairs.Count;
                toPositiveSlope -= weight;
            }
            gradient[a * b + p] += toPositiveSlope * -distances[a * b + p] / pairs.Count;
        }
        return sum / pairs.Count;
    }
}
