// Classical multidimensional scaling (Torgerson 1952; Gower 1966): coordinates in R^k whose
// Euclidean distances best match a distance matrix, from the top eigenpairs of the doubly
// centred squared distances B = -1/2 J D^(2) J (J = I - 11^T/n), x_i = sqrt(lambda) v_i. For
// Euclidean embeddings it is their PCA projection exactly (up to the signs of the axes); for
// Wasserstein embeddings, which live in no vector space with a mean, it is the 2-D picture
// the same construction gives from the divergences (Dou et al. 2022 draw their embeddings'
// projections; negative eigenvalues, the part no Euclidean picture can show, are left out).
namespace OtNet.Analysis;

/// <summary>Coordinates [n, Dimensions] and the eigenvalues they come from.</summary>
public sealed record ClassicalScaling(double[] Coordinates, int Dimensions, double[] Eigenvalues)
{
    /// <summary>The embedding in R^dimensions of the n x n distance matrix (symmetric, zero
    /// diagonal, as <c>EmbeddingMetric.Matrix</c> returns).</summary>
    /// <exception cref="ArgumentException">A matrix that is not n x n, a distance that is not
    /// finite and non-negative or not symmetric, or more dimensions than points, named.</exception>
    public static ClassicalScaling Of(ReadOnlySpan<float> distances, int n, int dimensions, int iterations = 1000, int seed = 1)
    {
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), n, "Scaling needs at least two points.");
        if (dimensions < 1 || dimensions >= n) throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, $"Between 1 and {n - 1} (one less than the points).");
        if (distances.Length != (long)n * n) throw new ArgumentException($"distances has {distances.Length} values, not {n} x {n}.", nameof(distances));
        var b = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double d = distances[i * n + j];
                // A Sinkhorn divergence may round a hair below zero; anything more is an error.
                if (!double.IsFinite(d) || d < -1e-6) throw new ArgumentException($"distances[{i}, {j}] = {d}: distances must be finite and non-negative.", nameof(distances));
                if (Math.Abs(d - distances[j * n + i]) > 1e-5 * Math.Max(1, Math.Abs(d))) throw new ArgumentException($"distances[{i}, {j}] = {d} but distances[{j}, {i}] = {distances[j * n + i]}: the matrix must be symmetric.", nameof(distances));
                b[i * n + j] = -0.5 * d * d;
            }
        // Double centring: subtract row and column means, add back the grand mean.
        var rowMean = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++) sum += b[i * n + j];
            rowMean[i] = sum / n;
        }
        double grand = rowMean.Average();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) b[i * n + j] += grand - rowMean[i] - rowMean[j];
        // Divergences need not be Euclidean, so B may have negative eigenvalues larger in
        // magnitude than the positive ones; shifted by its spectral radius, B's largest
        // eigenvalues are the ones power iteration finds.
        double radius = Math.Abs(SymmetricEigen.Leading((double[])b.Clone(), n, 1, iterations, seed).Values[0]);
        var (vectors, values) = SymmetricEigen.Leading(b, n, dimensions, iterations, seed, shift: radius);
        var coordinates = new double[n * dimensions];
        for (int c = 0; c < dimensions; c++)
        {
            double scale = Math.Sqrt(Math.Max(values[c], 0));
            for (int i = 0; i < n; i++) coordinates[i * dimensions + c] = scale * vectors[c][i];
        }
        return new ClassicalScaling(coordinates, dimensions, values);
    }
}
