// The symmetric matrix of distances between every two rows of a set of embeddings, under any
// distance computed in batches of pairs (the Euclidean distance, or the Sinkhorn divergence of
// point-cloud embeddings): only the pairs i < j are computed, in blocks, and mirrored. The
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
        ArgumentOutOfRangeException.ThrowIfLessThan(blockPairs, 1);
        if (rows.Length % dimension != 0) throw new ArgumentException($"rows has {rows.Length} values, not a multiple of {dimension}.", nameof(rows));
        int n = rows.Length / dimension;
        var matrix = new float[(long)n * n];
        long total = (long)n * (n - 1) / 2, done = 0;
        var u = new float[blockPairs * dimension];
        var v = new float[blockPairs * dimension];
        var d = new double[blockPairs];
        var pairs = new (int I, int J)[blockPairs];
        int filled = 0;
        void Flush()
        {
            if (filled == 0) return;
            if (filled == blockPairs) distance(u, v, d);
            else
            {
                var part = new double[filled];
                distance(u[..(filled * dimension)], v[..(filled * dimension)], part);
                part.CopyTo(d, 0);
            }
            for (int p = 0; p < filled; p++)
                matrix[(long)pairs[p].I * n + pairs[p].J] = matrix[(long)pairs[p].J * n + pairs[p].I] = (float)d[p];
            done += filled;
            filled = 0;
            progress?.Invoke(done, total);
        }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                rows.AsSpan(i * dimension, dimension).CopyTo(u.AsSpan(filled * dimension));
                rows.AsSpan(j * dimension, dimension).CopyTo(v.AsSpan(filled * dimension));
                pairs[filled++] = (i, j);
                if (filled == blockPairs) Flush();
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
