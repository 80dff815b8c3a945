// The margin loss of Wu, Manmatha, Smola and Krahenbuhl 2017 ("Sampling matters in deep
// embedding learning"), as Roth et al. 2020 train it: for each anchor one positive (drawn from
// its class) and one negative (distance-weighted), each pair pays [alpha + y_ij (d_ij - beta)]_+
// with y = +1 for the positive and -1 for the negative; beta, the boundary between the two,
// is learned (one value, started at 1.2), alpha = 0.2. The sum is divided by the number of
// pairs with a positive loss (at least 1).
namespace OtNet.Losses;

/// <summary>Margin loss with a learned boundary beta and distance-weighted negatives.</summary>
public sealed class MarginBatchLoss : BatchMetricLoss
{
    private readonly Parameter _beta = new("loss.beta", 1);

    /// <summary>With margin alpha, beta started at initialBeta; dimension is the embedding's (for the sampling).</summary>
    public MarginBatchLoss(int dimension, double alpha = 0.2, double initialBeta = 1.2)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be positive and finite.");
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Distance-weighted sampling needs the embedding dimension (at least 2).");
        (Alpha, Dimension) = (alpha, dimension);
        _beta.Value[0] = (float)initialBeta;
    }

    /// <summary>alpha.</summary>
    public double Alpha { get; }
    /// <summary>The embedding's dimension.</summary>
    public int Dimension { get; }
    /// <summary>The current beta.</summary>
    public double Beta => _beta.Value[0];

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [_beta];

    /// <inheritdoc/>
    protected override double Compute(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng)
    {
        int b = labels.Length;
        int[] classes = labels.ToArray();
        double beta = Beta, sum = 0, betaGradient = 0;
        var active = new List<(int I, int J, int Sign)>();
        foreach ((int a, int p) in DrawPositives(labels, rng))
        {
            var negatives = Enumerable.Range(0, b).Where(j => classes[j] != classes[a]).ToList();
            int n = TripletBatchLoss.DistanceWeighted(distances.Slice(a * b, b), negatives, Dimension, rng);
            foreach ((int j, int sign) in new[] { (p, 1), (n, -1) })
            {
                double loss = Alpha + sign * (distances[a * b + j] - beta);
                if (loss <= 0) continue;
                sum += loss;
                active.Add((a, j, sign));
            }
        }
        int count = Math.Max(active.Count, 1);
        foreach ((int i, int j, int sign) in active)
        {
            gradient[i * b + j] += (double)sign / count;
            betaGradient -= (double)sign / count;
        }
        _beta.Gradient[0] += (float)betaGradient;
        return sum / count;
    }
}
