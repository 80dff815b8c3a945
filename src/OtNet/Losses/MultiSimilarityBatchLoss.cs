// The multi-similarity loss (Wang, Han, Huang, Dong and Scott 2019), on the similarities of
// unit-length embeddings, S_ij = u_i . u_j = 1 - D_ij^2 / 2 (BatchMetricLoss.UnitSimilarity; dS/dD = -D). For each anchor i,
// pairs are mined first: a positive j is kept when S_ij - eps < the largest similarity to a
// negative, a negative k when S_ik + eps > the smallest similarity to a positive; then
//   L_i = (1/alpha) log(1 + sum_{kept j} exp(-alpha (S_ij - lambda)))
//       + (1/beta)  log(1 + sum_{kept k} exp( beta (S_ik - lambda))),
// averaged over the batch. Roth et al. 2020's settings: alpha 2, beta 40, lambda 0.5, eps 0.1.
// The mining is held fixed in the gradient.
namespace OtNet.Losses;

/// <summary>Multi-similarity loss with its pair mining, for embeddings on the unit sphere.</summary>
public sealed class MultiSimilarityBatchLoss : BatchMetricLoss
{
    /// <summary>With the positive and negative weights alpha and beta, the threshold lambda and the mining margin eps.</summary>
    public MultiSimilarityBatchLoss(double alpha = 2, double beta = 40, double lambda = 0.5, double miningMargin = 0.1)
    {
        foreach ((double value, string name) in new[] { (alpha, nameof(alpha)), (beta, nameof(beta)) })
            if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
        if (!double.IsFinite(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be finite.");
        if (!(miningMargin >= 0) || double.IsInfinity(miningMargin)) throw new ArgumentOutOfRangeException(nameof(miningMargin), miningMargin, "The mining margin must be nonnegative and finite.");
        (Alpha, Beta, Lambda, MiningMargin) = (alpha, beta, lambda, miningMargin);
    }

    /// <summary>alpha, the positives' weight.</summary>
    public double Alpha { get; }
    /// <summary>beta, the negatives' weight.</summary>
    public double Beta { get; }
    /// <summary>lambda, the similarity threshold.</summary>
    public double Lambda { get; }
    /// <summary>eps, the mining margin.</summary>
    public double MiningMargin { get; }

    /// <inheritdoc/>
    protected override double Compute(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng)
    {
        int b = labels.Length;
        double sum = 0;
        var similarity = new double[b];
        var term = new double[b]; // exp(-alpha (S - lambda)) of a kept positive, exp(beta (S - lambda)) of a kept negative, else 0
        for (int i = 0; i < b; i++)
        {
            double hardestNegative = double.NegativeInfinity, hardestPositive = double.PositiveInfinity;
            for (int j = 0; j < b; j++)
            {
                if (j == i) continue;
                similarity[j] = UnitSimilarity(distances[i * b + j]);
                if (labels[j] == labels[i]) hardestPositive = Math.Min(hardestPositive, similarity[j]);
                else hardestNegative = Math.Max(hardestNegative, similarity[j]);
            }
            if (double.IsInfinity(hardestNegative) || double.IsInfinity(hardestPositive)) continue;
            double positives = 1, negatives = 1;
            for (int j = 0; j < b; j++)
            {
                double s = similarity[j];
                bool positive = labels[j] == labels[i];
                term[j] = j == i ? 0
                    : positive ? (s - MiningMargin < hardestNegative ? Math.Exp(-Alpha * (s - Lambda)) : 0)
                    : s + MiningMargin > hardestPositive ? Math.Exp(Beta * (s - Lambda)) : 0;
                if (positive) positives += term[j];
                else negatives += term[j];
            }
            sum += Math.Log(positives) / Alpha + Math.Log(negatives) / Beta;
            // dL/dS (-term/positives for positives, term/negatives for negatives), then dS/dD = -D.
            for (int j = 0; j < b; j++)
            {
                double slope = labels[j] == labels[i] ? -term[j] / positives : term[j] / negatives;
                gradient[i * b + j] += slope * -distances[i * b + j] / b;
            }
        }
        return sum / b;
    }

}
