// The symmetric matrix of distances between every two rows of a set of embeddings, under any
// distance computed in batches of pairs (the Euclidean distance, or the Sinkhorn divergence of
// point-cloud embeddings): only the pairs i < j are computed, in blocks, and mirrored (a
// Sinkhorn distance after a fixed number of iterations is not exactly symmetric; the matrix
// holds d(i, j) of the lower index first on both sides). The
// retrieval and clustering metrics of metric learning (Roth et al. 2020) read it.
namespace OtNet.Analysis;

/// <summary>distances[p] between rows first[p] and second[p] of a set, gathered into u[p] and v[p].</summary>
public delegate void IndexedPairDistances(int[] first, int[] second, float[] u, float[] v, double[] distances);

/// <summary>All pairwise distances of a set of embeddings.</summary>
public static class PairwiseDistances
{
    /// <summary>The n x n matrix (row-major, zero diagonal) of distance between rows i and j of
    /// rows [n, dimension], stored in float; see <see cref="EachPair"/>.</summary>
    public static float[] Matrix(float[] rows, int dimension, PairDistances distance, int blockPairs = 1 << 16, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(distance);
        return Matrix(rows, dimension, (_, _, u, v, d) => distance(u, v, d), blockPairs, progress);
    }

    /// <summary>The same, for a distance that also reads which rows each pair joins.</summary>
    public static float[] Matrix(float[] rows, int dimension, IndexedPairDistances distance, int blockPairs = 1 << 16, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        long n = rows.Length / dimension;
        var matrix = new float[n * n];
        EachPair(rows, dimension, distance, (i, j, d) => matrix[i * n + j] = matrix[j * n + i] = (float)d, blockPairs, progress);
        return matrix;
    }

    /// <summary>store(i, j, d) for every pair i &lt; j of rows [n, dimension], d from distance
    /// called on blockPairs pairs at a time (the rows gathered into u and v); progress receives
    /// (pairs done, pairs in all) after each block.</summary>
    /// <exception cref="ArgumentException">rows not a whole number of rows of dimension.</exception>
    public static void EachPair(float[] rows, int dimension, IndexedPairDistances distance, Action<int, int, double> store, int blockPairs = 1 << 16, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(distance);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockPairs, 1);
        if (rows.Length % dimension != 0) throw new ArgumentException($"rows has {rows.Length} values, not a multiple of {dimension}.", nameof(rows));
        int count = rows.Length / dimension;
        long total = (long)count * (count - 1) / 2, done = 0;
        var first = new List<int>(blockPairs);
        var second = new List<int>(blockPairs);
        void Flush()
        {
            if (first.Count == 0) return;
            int[] i = [.. first], j = [.. second];
            float[] u = new float[i.Length * dimension], v = new float[i.Length * dimension];
            for (int p = 0; p < i.Length; p++)
            {
                rows.AsSpan(i[p] * dimension, dimension).CopyTo(u.AsSpan(p * dimension));
                rows.AsSpan(j[p] * dimension, dimension).CopyTo(v.AsSpan(p * dimension));
            }
            var d = new double[i.Length];
            distance(i, j, u, v, d);
            for (int p = 0; p < d.Length; p++) store(i[p], j[p], d[p]);
            done += d.Length;
            first.Clear();
            second.Clear();
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
    }
}
