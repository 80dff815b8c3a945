// The leading principal components of points [count, d]: their mean, and the top eigenvectors
// of the covariance with their eigenvalues (variances), by power iteration with deflation
// on the d x d covariance (SymmetricEigen). In a DWE embedding, where squared Euclidean distance
// mimics W2^2, these are the principal geodesics of Courty et al. 2018 (Fig. 4) once decoded.
namespace OtNet.Analysis;

/// <summary>Principal components: the mean, the unit directions by decreasing variance, and their variances.</summary>
public sealed record PrincipalComponents(double[] Mean, double[][] Directions, double[] Variances)
{
    /// <exception cref="ArgumentException">Fewer than two points, or more components than dimensions.</exception>
    public static PrincipalComponents Of(ReadOnlySpan<float> points, int dimension, int components, int iterations = 500, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (points.Length % dimension != 0) throw new ArgumentException($"points has {points.Length} values, not a multiple of {dimension}.", nameof(points));
        int count = points.Length / dimension;
        if (count < 2) throw new ArgumentException($"{count} point(s): principal components need at least two.", nameof(points));
        if (components < 1 || components > dimension) throw new ArgumentOutOfRangeException(nameof(components), components, $"Between 1 and the dimension {dimension}.");
        var mean = new double[dimension];
        for (int k = 0; k < count; k++)
            for (int i = 0; i < dimension; i++) mean[i] += points[k * dimension + i];
        for (int i = 0; i < dimension; i++) mean[i] /= count;
        var covariance = new double[dimension * dimension];
        var centred = new double[dimension];
        for (int k = 0; k < count; k++)
        {
            for (int i = 0; i < dimension; i++) centred[i] = points[k * dimension + i] - mean[i];
            for (int i = 0; i < dimension; i++)
                for (int j = 0; j < dimension; j++) covariance[i * dimension + j] += centred[i] * centred[j];
        }
        for (int i = 0; i < covariance.Length; i++) covariance[i] /= count - 1;

        var (directions, variances) = SymmetricEigen.Leading(covariance, dimension, components, iterations, seed);
        return new PrincipalComponents(mean, directions, variances);
    }

    /// <summary>Points along the first <paramref name="components"/> directions: the mean
    /// plus s standard deviations (the square root of the variance) for each s of
    /// <paramref name="deviations"/>; [components x deviations.Length, dimension], component-major.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More components than were computed.</exception>
    public float[] Points(int components, ReadOnlySpan<double> deviations)
    {
        if (components < 1 || components > Directions.Length)
            throw new ArgumentOutOfRangeException(nameof(components), components, $"Between 1 and the {Directions.Length} components computed.");
        int dimension = Mean.Length;
        var points = new float[components * deviations.Length * dimension];
        for (int c = 0; c < components; c++)
        {
            double sigma = Math.Sqrt(Variances[c]);
            for (int s = 0; s < deviations.Length; s++)
                for (int d = 0; d < dimension; d++)
                    points[(c * deviations.Length + s) * dimension + d] = (float)(Mean[d] + deviations[s] * sigma * Directions[c][d]);
        }
        return points;
    }
}
