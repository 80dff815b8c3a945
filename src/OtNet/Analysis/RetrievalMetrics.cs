// Retrieval metrics of deep metric learning, as Roth et al. 2020 report them, from the matrix
// of distances between the evaluation images (each image queries all the others; it is never
// its own neighbour; equal distances are ranked by index, so results repeat):
//   Recall@k: the fraction of queries with at least one image of their class among their k
//     nearest neighbours.
//   mAP@R (Musgrave, Belongie and Lim 2020): for a query with R other images of its class,
//     AP@R = (1/R) sum_{i=1..R} rel(i) P(i), where rel(i) says whether the i-th neighbour is
//     of the query's class and P(i) is the precision among the first i; averaged over queries
//     (queries alone in their class are left out).
namespace OtNet.Analysis;

/// <summary>Recall@k and mAP@R from a distance matrix.</summary>
public static class RetrievalMetrics
{
    /// <summary>Recall@k for each k of ks, and mAP@R, of labels under the n x n distance matrix.</summary>
    /// <exception cref="ArgumentException">A matrix that is not n x n, fewer than two images,
    /// or a k outside 1..n-1, named.</exception>
    public static (double[] RecallAtK, double MapAtR) Compute(float[] distances, int[] labels, int[] ks)
    {
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(ks);
        int n = labels.Length;
        if (n < 2) throw new ArgumentException($"{n} image(s): retrieval needs at least two.", nameof(labels));
        if (distances.LongLength != (long)n * n) throw new ArgumentException($"distances has {distances.LongLength} values, not {n} x {n}.", nameof(distances));
        foreach (int k in ks)
            if (k < 1 || k > n - 1) throw new ArgumentOutOfRangeException(nameof(ks), k, $"Each k must be in 1..{n - 1} (the other images).");
        var classSize = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        int deepest = Math.Max(ks.DefaultIfEmpty(1).Max(), classSize.Values.Max() - 1);
        // Per query, then summed in query order, so the result does not depend on the threads.
        var hit = new bool[n, ks.Length];
        var precision = new double[n];
        Parallel.For(0, n, q =>
        {
            int[] ranked = Ranked(distances.AsSpan((int)((long)q * n), n), q, deepest);
            for (int s = 0; s < ks.Length; s++)
                for (int i = 0; i < ks[s] && !hit[q, s]; i++) hit[q, s] = labels[ranked[i]] == labels[q];
            int r = classSize[labels[q]] - 1;
            if (r == 0)
            {
                precision[q] = double.NaN;
                return;
            }
            double sum = 0;
            int relevant = 0;
            for (int i = 0; i < r; i++)
                if (labels[ranked[i]] == labels[q]) sum += (double)++relevant / (i + 1);
            precision[q] = sum / r;
        });
        double[] recall = [.. Enumerable.Range(0, ks.Length).Select(s => Enumerable.Range(0, n).Count(q => hit[q, s]) / (double)n)];
        double[] scored = [.. precision.Where(p => !double.IsNaN(p))];
        return (recall, scored.Length == 0 ? double.NaN : scored.Sum() / scored.Length);
    }

    /// <summary>The count nearest other images of query q, nearest first, ties by index (a
    /// stable sort of the indices in order).</summary>
    private static int[] Ranked(ReadOnlySpan<float> row, int q, int count)
    {
        float[] values = row.ToArray();
        return Enumerable.Range(0, values.Length).Where(j => j != q).OrderBy(j => values[j]).Take(count).ToArray();
    }
}
