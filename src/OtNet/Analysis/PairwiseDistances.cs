// The symmetric matrix of distances between every two rows of a set of embeddings, under any
// distance computed in batches of pairs (the Euclidean distance, or the Sinkhorn divergence of
// point-cloud embeddings): only the pairs i < j are computed, in blocks, and mirrored (a
// Sinkhorn distance after a fixed number of iterations is not exactly symmetric; the matrix
// holds d(i, j) of the lower index first on both sides). The
// retrieval and clustering metrics of metric learning (Roth et al. 2020) read it.
namespace OtNet.Analysis;

/// <summary>All pairwise distances of a set of embeddings.</summary>
public static class PairwiseDistances
{
    /// <summary>The n x n matrix (row-major, zero diagonal) of distance between rows i and j of
    /// rows [n, dimension]; pairs go to distance blockPairs at a time, and progress receives
    /// (pairs done, pairs in all) after each block.</summary>
    /// <exception cref="ArgumentException">rows not a whole number of rows of dimension.</exception>
    public static float[] Matrix(float[] rows, int dimension, PairDistances distance, int blockPairs = 1 << 16, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(distance);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (rows.Length % dimension != 0) throw new ArgumentException($"rows has {rows.Length} values, not a multiple of {dimension}.", nameof(rows));
        return Matrix(rows.Length / dimension, (first, second, d) =>
        {
            float[] u = new float[first.Length * dimension], v = new float[first.Length * dimension];
            for (int p = 0; p < first.Length; p++)
            {
                rows.AsSpan(first[p] * dimension, dimension).CopyTo(u.AsSpan(p * dimension));
                rows.AsSpan(second[p] * dimension, dimension).CopyTo(v.AsSpan(p * dimension));
            }
            distance(u, v, d);
        }, blockPairs, progress);
    }

    /// <summary>The count x count matrix (row-major, zero diagonal) of the distances that
    /// distances writes for the pairs (first[p], second[p]), i &lt; j, blockPairs at a time.</summary>
    public static float[] Matrix(int count, Action<int[], int[], double[]> distances, int blockPairs = 1 << 16, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockPairs, 1);
        var matrix = new float[(long)count * count];
        long total = (long)count * (count - 1) / 2, done = 0;
        var first = new List<int>(blockPairs);
        var second = new List<int>(blockPairs);
        void Flush()
        {
            if (first.Count == 0) return;
            var d = new double[first.Count];
            distances([.. first], [.. second], d);
            for (int p = 0; p < d.Length; p++) matrix[(long)first[p] * count + second[p]] = matrix[(long)second[p] * count + first[p]] = (float)d[p];
            done += d.Length;
            (first, second) = (new List<int>(blockPairs), new List<int>(blockPairs));
            progress?.Invoke(done, total);
        }
        for (int i = 0; i < count; i++)
            for (int j = i + 1; j < count; j++)
            {
                first.Add(i);
                second.Add(j);
                if (first.Count == blockPairs) Flush();
            }
        Flush();
        return matrix;
    }

    /// <summary>|u[p] - v[p]| for rows of equal length, summed in double: the distance of the
    /// Euclidean embeddings, as a <see cref="PairDistances"/>.</summary>
    public static void Euclidean(float[] u, float[] v, double[] distances)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(distances);
        int length = distances.Length == 0 ? 0 : u.Length / distances.Length;
        Parallel.For(0, distances.Length, p =>
        {
            double sum = 0;
            for (int i = 0; i < length; i++)
            {
                double diff = (double)u[p * length + i] - v[p * length + i];
                sum += diff * diff;
            }
            distances[p] = Math.Sqrt(sum);
        });
    }
}
