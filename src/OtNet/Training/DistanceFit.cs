// How well predicted distances match true ones: the mean squared error, the relative MSE
// sum (p - t)^2 / sum t^2 (the MSE over the mean squared distance) and Pearson's correlation,
// the three numbers Courty et al. 2018 report for Deep Wasserstein Embedding.
namespace OtNet.Training;

/// <summary>How predicted distances fit true ones: mean squared error, relative MSE and Pearson correlation.</summary>
public sealed record DistanceFit(double Mse, double RelativeMse, double Correlation)
{
    /// <summary>The fit of predicted to truth.</summary>
    public static DistanceFit Of(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (truth.Count != predicted.Count || truth.Count < 2)
            throw new ArgumentException($"{truth.Count} true and {predicted.Count} predicted distances; need the same number, at least 2.");
        int n = truth.Count;
        double meanT = truth.Average(), meanP = predicted.Average(), squared = 0, truthSquared = 0, covariance = 0, varianceT = 0, varianceP = 0;
        for (int k = 0; k < n; k++)
        {
            double t = truth[k], p = predicted[k];
            squared += (p - t) * (p - t);
            truthSquared += t * t;
            covariance += (t - meanT) * (p - meanP);
            varianceT += (t - meanT) * (t - meanT);
            varianceP += (p - meanP) * (p - meanP);
        }
        return new DistanceFit(squared / n, squared / truthSquared, covariance / Math.Sqrt(varianceT * varianceP));
    }
}
