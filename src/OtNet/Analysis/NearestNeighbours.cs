// k-nearest-neighbour classification by brute force (the synthesis' evaluation of the
// embeddings: kNN under the Euclidean distance of the flattened embeddings), exact, with the
// queries in parallel. Ties in distance go to the lower reference index, ties in the vote to
// the class of the nearest neighbour among the tied ones, so results repeat.
namespace OtNet.Analysis;

/// <summary>Exact k-nearest neighbours under the Euclidean distance, and their vote.</summary>
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
                if (sum >= best[k - 1]) continue;
                // Insert into the sorted top k (after equal distances: lower indices stay first).
                int at = k - 1;
                while (at > 0 && best[at - 1] > sum) { best[at] = best[at - 1]; index[at] = index[at - 1]; at--; }
                best[at] = sum;
                index[at] = r;
            }
            nearest[q] = index;
            return best;
        }, _ => { });
        return nearest;
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
