// k-nearest-neighbour classification by brute force (the synthesis' evaluation of the
// embeddings: kNN under the Euclidean distance of the flattened embeddings), exact, with the
// queries in parallel; or under any distance computed in batches of pairs (the embedding's
// own Sinkhorn distance, every query against every reference). Ties in distance go to the lower reference index, ties in the vote to
// the class of the nearest neighbour among the tied ones, so results repeat.
namespace OtNet.Analysis;

/// <summary>distances[p] between rows u[p] and v[p] of equal length.</summary>
public delegate void PairDistances(float[] u, float[] v, double[] distances);

/// <summary>Exact k-nearest neighbours under the Euclidean distance or a given one, and their vote.</summary>
public static class NearestNeighbours
{
    /// <summary>The predicted label of each query [count, dimension]: the vote of its k
    /// nearest references [labels.Length, dimension].</summary>
    /// <exception cref="ArgumentException">Shapes that do not match, k outside 1..references, named.</exception>
    public static int[] Classify(float[] references, ReadOnlySpan<int> labels, float[] queries, int dimension, int k)
    {
        ArgumentNullException.ThrowIfNull(references);
        if (references.Length != labels.Length * dimension)
            throw new ArgumentException($"references has {references.Length} values for {labels.Length} labels of dimension {dimension}.", nameof(references));
        int[] referenceLabels = labels.ToArray();
        return Nearest(references, queries, dimension, k).Select(near => Vote(near.Select(r => referenceLabels[r]).ToArray())).ToArray();
    }

    /// <summary>The indices of each query's k nearest references, nearest first (squared
    /// Euclidean, summed in double; equal distances by index).</summary>
    /// <exception cref="ArgumentException">Shapes that do not match, k outside 1..references, named.</exception>
    public static int[][] Nearest(float[] references, float[] queries, int dimension, int k)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (references.Length % dimension != 0) throw new ArgumentException($"references has {references.Length} values, not a multiple of {dimension}.", nameof(references));
        if (queries.Length % dimension != 0) throw new ArgumentException($"queries has {queries.Length} values, not a multiple of {dimension}.", nameof(queries));
        int count = references.Length / dimension;
        if (k < 1 || k > count) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the {count} references.");
        var nearest = new int[queries.Length / dimension][];
        Parallel.For(0, nearest.Length, () => new double[k], (q, _, best) =>
        {
            var index = new int[k];
            Array.Fill(best, double.PositiveInfinity);
            ReadOnlySpan<float> query = queries.AsSpan(q * dimension, dimension);
            for (int r = 0; r < count; r++)
            {
                ReadOnlySpan<float> reference = references.AsSpan(r * dimension, dimension);
                double sum = 0;
                for (int i = 0; i < dimension; i++)
                {
                    double diff = (double)query[i] - reference[i];
                    sum += diff * diff;
                }
                Insert(best, index, sum, r);
            }
            nearest[q] = index;
            return best;
        }, _ => { });
        return nearest;
    }

    /// <summary>The indices of each query's k nearest references under distance, nearest
    /// first (equal distances by index): every query against every reference, blockQueries
    /// queries per call of distance. progress gets (queries done, queries) after each block.</summary>
    /// <exception cref="ArgumentException">Shapes that do not match, k outside 1..references, named.</exception>
    public static int[][] NearestBy(float[] references, float[] queries, int dimension, int k, PairDistances distance, int blockQueries = 8, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(distance);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockQueries, 1);
        if (references.Length % dimension != 0) throw new ArgumentException($"references has {references.Length} values, not a multiple of {dimension}.", nameof(references));
        if (queries.Length % dimension != 0) throw new ArgumentException($"queries has {queries.Length} values, not a multiple of {dimension}.", nameof(queries));
        int count = references.Length / dimension, total = queries.Length / dimension;
        if (k < 1 || k > count) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the {count} references.");
        int block = Math.Min(blockQueries, Math.Max(total, 1));
        // v: the references once per query of a block, built once; u: each query repeated.
        var v = new float[block * references.Length];
        for (int b = 0; b < block; b++) references.CopyTo(v, b * references.Length);
        var u = new float[block * references.Length];
        var d = new double[block * count];
        var nearest = new int[total][];
        for (int start = 0; start < total; start += block)
        {
            int size = Math.Min(block, total - start);
            for (int b = 0; b < size; b++)
                for (int r = 0; r < count; r++) queries.AsSpan((start + b) * dimension, dimension).CopyTo(u.AsSpan((b * count + r) * dimension));
            if (size == block) distance(u, v, d);
            else
            {
                double[] part = new double[size * count];
                distance(u[..(size * references.Length)], v[..(size * references.Length)], part);
                part.CopyTo(d, 0);
            }
            for (int b = 0; b < size; b++)
            {
                var best = new double[k];
                var index = new int[k];
                Array.Fill(best, double.PositiveInfinity);
                for (int r = 0; r < count; r++) Insert(best, index, d[b * count + r], r);
                nearest[start + b] = index;
            }
            progress?.Invoke(start + size, total);
        }
        return nearest;
    }

    /// <summary>Puts reference r at distance value into the sorted top k best/index, after
    /// equal distances (so lower indices stay first); a no-op when it is not nearer than the
    /// k-th.</summary>
    private static void Insert(double[] best, int[] index, double value, int r)
    {
        int k = best.Length;
        if (!(value < best[k - 1])) return;
        int at = k - 1;
        while (at > 0 && best[at - 1] > value) { best[at] = best[at - 1]; index[at] = index[at - 1]; at--; }
        best[at] = value;
        index[at] = r;
    }

    /// <summary>The majority of labels listed nearest first; among the labels with the most
    /// votes, the nearest one's.</summary>
    public static int Vote(ReadOnlySpan<int> labelsNearestFirst)
    {
        if (labelsNearestFirst.IsEmpty) throw new ArgumentException("No neighbours to vote.", nameof(labelsNearestFirst));
        var votes = new Dictionary<int, int>();
        foreach (int label in labelsNearestFirst) votes[label] = votes.GetValueOrDefault(label) + 1;
        int most = votes.Values.Max();
        foreach (int label in labelsNearestFirst) if (votes[label] == most) return label;
        throw new InvalidOperationException("unreachable: a label with the most votes is among the neighbours");
    }
}
