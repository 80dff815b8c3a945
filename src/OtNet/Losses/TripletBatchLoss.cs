// The triplet loss (Schroff, Kalenichenko and Philbin 2015; Dou et al. 2022 eq. 2 as
// wtriplet): L = (1/|T|) sum_{(a,p,n)} [d_ap - d_an + gamma]_+, one triplet per anchor: the
// positive drawn from the anchor's class, the negative by a sampling rule (Roth et al. 2020):
//   Random: uniform among the other classes.
//   SemiHard (FaceNet): uniform among the negatives with d_ap < d_an < d_ap + gamma; if there
//     are none, the nearest negative farther than d_ap; if none is, the farthest negative.
//   DistanceWeighted (Wu et al. 2017): with probability proportional to 1/q(d_an), where
//     q(d) ~ d^(n-2) (1 - d^2/4)^((n-3)/2) is the density of distances between uniform points
//     on the unit sphere of R^n, d clipped below at 0.5, and no weight beyond d = 1.4 (those
//     negatives give no loss); for embeddings normalised to the sphere only.
namespace OtNet.Losses;

/// <summary>How a triplet's negative is chosen.</summary>
public enum TripletSampling
{
    /// <summary>Uniform among the other classes.</summary>
    Random,
    /// <summary>Farther than the positive but within the margin (FaceNet).</summary>
    SemiHard,
    /// <summary>Inversely to the density of distances on the unit sphere (Wu et al. 2017).</summary>
    DistanceWeighted,
}

/// <summary>Triplet margin loss, one triplet per anchor of the batch.</summary>
public sealed class TripletBatchLoss : BatchMetricLoss
{
    /// <summary>With margin gamma and a sampling rule; dimension (n, the embedding size) is
    /// needed by distance-weighted sampling only.</summary>
    public TripletBatchLoss(double margin, TripletSampling sampling, int dimension = 0)
    {
        if (!(margin > 0) || double.IsInfinity(margin)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be positive and finite.");
        if (!Enum.IsDefined(sampling)) throw new ArgumentOutOfRangeException(nameof(sampling), sampling, "Unknown triplet sampling.");
        if (sampling == TripletSampling.DistanceWeighted && dimension < 2)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Distance-weighted sampling needs the embedding dimension (at least 2).");
        (Margin, Sampling, Dimension) = (margin, sampling, dimension);
    }

    /// <summary>gamma.</summary>
    public double Margin { get; }
    /// <summary>How negatives are chosen.</summary>
    public TripletSampling Sampling { get; }
    /// <summary>The embedding's dimension (distance-weighted sampling).</summary>
    public int Dimension { get; }

    /// <inheritdoc/>
    protected override double Compute(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng)
    {
        int b = labels.Length;
        List<(int Anchor, int Positive)> pairs = DrawPositives(labels, rng);
        double sum = 0;
        foreach ((int a, int p) in pairs)
        {
            int n = Negative(distances.Slice(a * b, b), labels, a, distances[a * b + p], Sampling, Margin, Dimension, rng);
            double loss = distances[a * b + p] - distances[a * b + n] + Margin;
            if (loss <= 0) continue;
            sum += loss;
            gradient[a * b + p] += 1.0 / pairs.Count;
            gradient[a * b + n] -= 1.0 / pairs.Count;
        }
        return sum / pairs.Count;
    }

    /// <summary>The negative of anchor a under the sampling rule, from its row of distances.</summary>
    internal static int Negative(ReadOnlySpan<double> distancesFromA, ReadOnlySpan<int> labels, int a, double toPositive, TripletSampling sampling, double margin, int dimension, Random rng)
    {
        double[] row = distancesFromA.ToArray();
        var negatives = new List<int>();
        for (int j = 0; j < labels.Length; j++)
            if (labels[j] != labels[a]) negatives.Add(j);
        switch (sampling)
        {
            case TripletSampling.Random:
                return negatives[rng.Next(negatives.Count)];
            case TripletSampling.SemiHard:
                {
                    int[] semiHard = [.. negatives.Where(j => row[j] > toPositive && row[j] < toPositive + margin)];
                    if (semiHard.Length > 0) return semiHard[rng.Next(semiHard.Length)];
                    int[] farther = [.. negatives.Where(j => row[j] > toPositive)];
                    return farther.Length > 0 ? farther.MinBy(j => row[j]) : negatives.MaxBy(j => row[j]);
                }
            default:
                return DistanceWeighted(row, negatives, dimension, rng);
        }
    }

    /// <summary>A negative drawn with weight 1/q(d) (Wu et al. 2017), in the log domain.</summary>
    internal static int DistanceWeighted(ReadOnlySpan<double> row, List<int> negatives, int dimension, Random rng)
    {
        const double cutoff = 0.5, noLossBeyond = 1.4;
        var logWeights = new double[negatives.Count];
        for (int k = 0; k < negatives.Count; k++)
        {
            double d = Math.Max(row[negatives[k]], cutoff);
            // -log q(d) = -(n - 2) log d - (n - 3)/2 log(1 - d^2/4); d^2/4 < 1 below 1.4.
            logWeights[k] = row[negatives[k]] >= noLossBeyond ? double.NegativeInfinity
                : -(dimension - 2) * Math.Log(d) - (dimension - 3) / 2.0 * Math.Log(Math.Max(1 - d * d / 4, 1e-8));
        }
        double top = logWeights.Max();
        if (double.IsNegativeInfinity(top)) return negatives[rng.Next(negatives.Count)];
        double total = logWeights.Sum(w => Math.Exp(w - top));
        double target = rng.NextDouble() * total;
        for (int k = 0; k < negatives.Count; k++)
            if ((target -= Math.Exp(logWeights[k] - top)) < 0) return negatives[k];
        return negatives[^1];
    }
}
