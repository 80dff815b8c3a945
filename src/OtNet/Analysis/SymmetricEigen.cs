// The leading eigenpairs of a symmetric positive semi-definite matrix (row-major, in double),
// by power iteration with deflation: enough for the two or three components a picture or a
// principal geodesic needs, where a full eigendecomposition would be a dependency or a page
// of code. Each vector's sign is fixed (largest entry positive) so that runs agree.
namespace OtNet.Analysis;

internal static class SymmetricEigen
{
    /// <summary>The count largest eigenvalues of the n x n matrix and their unit
    /// eigenvectors, largest first. The matrix is deflated in place. Power iteration finds the
    /// eigenvalues largest in magnitude; for a matrix that is not semi-definite, a shift at
    /// least the magnitude of its most negative eigenvalue makes them the largest ones.</summary>
    public static (double[][] Vectors, double[] Values) Leading(double[] matrix, int n, int count, int iterations, int seed, double shift = 0)
    {
        var rng = new Random(seed);
        var vectors = new double[count][];
        var values = new double[count];
        var w = new double[n];
        for (int c = 0; c < count; c++)
        {
            double[] v = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
            for (int it = 0; it < iterations; it++)
            {
                Multiply(matrix, v, w, n);
                for (int i = 0; i < n; i++) w[i] += shift * v[i];
                double norm = Math.Sqrt(w.Sum(x => x * x));
                if (norm == 0) break;
                // Converged when the direction stops moving; a negative eigenvalue flips the
                // vector's sign at every step, which is not a move.
                double same = 0, flipped = 0;
                for (int i = 0; i < n; i++)
                {
                    double next = w[i] / norm;
                    same = Math.Max(same, Math.Abs(next - v[i]));
                    flipped = Math.Max(flipped, Math.Abs(next + v[i]));
                    v[i] = next;
                }
                if (Math.Min(same, flipped) < 1e-12) break;
            }
            // The eigenvalue with its sign: the Rayleigh quotient v^T M v of the unit vector.
            Multiply(matrix, v, w, n);
            double lambda = 0;
            for (int i = 0; i < n; i++) lambda += v[i] * w[i];
            int largest = 0;
            for (int i = 1; i < n; i++) if (Math.Abs(v[i]) > Math.Abs(v[largest])) largest = i;
            if (v[largest] < 0) for (int i = 0; i < n; i++) v[i] = -v[i];
            vectors[c] = v;
            values[c] = lambda;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) matrix[i * n + j] -= lambda * v[i] * v[j];
        }
        return (vectors, values);
    }

    // Rows in parallel once a product is worth a thread (a picture's 1,000 x 1,000), in order
    // below; each row is summed alone, so the result does not depend on the threads.
    private static void Multiply(double[] matrix, double[] v, double[] result, int n)
    {
        void Row(int i)
        {
            double sum = 0;
            for (int j = 0; j < n; j++) sum += matrix[i * n + j] * v[j];
            result[i] = sum;
        }
        if (n >= 256) Parallel.For(0, n, Row);
        else for (int i = 0; i < n; i++) Row(i);
    }
}
