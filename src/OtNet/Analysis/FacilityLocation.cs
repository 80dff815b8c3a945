// Coreset selection by facility location (CRAIG, Mirzasoleiman, Bilmes and Leskovec 2020; with
// the Sinkhorn divergence as the dissimilarity, WCRAIG of Dou et al. 2022, Algorithm 1 and
// eq. 6): choose S of a given size maximising F(S) = sum_i max_{j in S} sim(i, j), a monotone
// submodular function, greedily, which is within 1 - 1/e of the best S. The greedy step is
// lazy (Minoux 1978): marginal gains only shrink as S grows, so each candidate's last gain is
// an upper bound kept in a priority queue, and only the top candidate is re-evaluated; when
// its fresh gain still tops the queue it is taken. Each chosen j is weighted by the number of
// points whose most similar member of S it is (CRAIG's weights: the gradient of the subset,
// weighted, stands in for the full one). Similarities come from a distance matrix:
//   Reciprocal: sim = 1 / (d + delta), delta = 1e-3 times the mean distance, so a point's
//     similarity to itself is large but finite (eq. 6 is 1 / SD);
//   Offset: sim = max d - d (the paper's alternative).
namespace OtNet.Analysis;

/// <summary>How a distance becomes a similarity for facility location.</summary>
public enum CoresetSimilarity
{
    /// <summary>1 / (d + delta) (Dou et al. 2022 eq. 6, guarded at d = 0).</summary>
    Reciprocal,
    /// <summary>max d - d.</summary>
    Offset,
}

/// <summary>A coreset: the chosen points (in the order chosen), their weights, and the facility-location value reached.</summary>
public sealed record FacilityLocation(int[] Selected, int[] Weights, double Value, int Evaluations)
{
    /// <summary>Greedy (lazy) facility location of size points among the n of the n x n
    /// distance matrix.</summary>
    /// <exception cref="ArgumentException">A matrix that is not n x n, or size outside 1..n.</exception>
    public static FacilityLocation Select(float[] distances, int n, int size, CoresetSimilarity similarity = CoresetSimilarity.Reciprocal)
    {
        ArgumentNullException.ThrowIfNull(distances);
        if (n < 1 || distances.LongLength != (long)n * n) throw new ArgumentException($"distances has {distances.LongLength} values, not {n} x {n}.", nameof(distances));
        if (size < 1 || size > n) throw new ArgumentOutOfRangeException(nameof(size), size, $"The coreset size must be in 1..{n}.");
        if (!Enum.IsDefined(similarity)) throw new ArgumentOutOfRangeException(nameof(similarity), similarity, "Unknown similarity.");
        Func<int, int, double> similarityOf = SimilarityOf(distances, n, similarity);
        // best[i]: max over the chosen of sim(i, j); 0 before any (similarities are >= 0).
        var best = new double[n];
        double Gain(int j)
        {
            double gain = 0;
            for (int i = 0; i < n; i++) gain += Math.Max(0, similarityOf(i, j) - best[i]);
            return gain;
        }
        var queue = new PriorityQueue<int, (double Gain, int Index)>(Comparer<(double Gain, int Index)>.Create((a, b) =>
            a.Gain != b.Gain ? b.Gain.CompareTo(a.Gain) : a.Index.CompareTo(b.Index))); // largest gain first, ties to the lower index
        var initial = new double[n];
        Parallel.For(0, n, j => initial[j] = Gain(j));
        for (int j = 0; j < n; j++) queue.Enqueue(j, (initial[j], j));
        var selected = new List<int>(size);
        double value = 0;
        int evaluations = n;
        while (selected.Count < size)
        {
            int top = queue.Dequeue();
            double fresh = Gain(top);
            evaluations++;
            if (queue.Count > 0 && queue.TryPeek(out _, out var next) && (fresh < next.Gain || fresh == next.Gain && next.Index < top))
            {
                queue.Enqueue(top, (fresh, top));
                continue;
            }
            selected.Add(top);
            value += fresh;
            for (int i = 0; i < n; i++) best[i] = Math.Max(best[i], similarityOf(i, top));
        }
        var weights = new int[size];
        for (int i = 0; i < n; i++)
        {
            int owner = 0;
            for (int k = 1; k < size; k++)
                if (similarityOf(i, selected[k]) > similarityOf(i, selected[owner])) owner = k;
            weights[owner]++;
        }
        return new FacilityLocation([.. selected], weights, value, evaluations);
    }

    /// <summary>The facility-location value F(S) = sum_i max_{j in S} sim(i, j) of a given
    /// set, under the same similarity (for checks against the greedy's own bookkeeping).</summary>
    public static double ValueOf(float[] distances, int n, IReadOnlyList<int> set, CoresetSimilarity similarity = CoresetSimilarity.Reciprocal)
    {
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentNullException.ThrowIfNull(set);
        if (distances.LongLength != (long)n * n) throw new ArgumentException($"distances has {distances.LongLength} values, not {n} x {n}.", nameof(distances));
        Func<int, int, double> similarityOf = SimilarityOf(distances, n, similarity);
        double value = 0;
        for (int i = 0; i < n; i++) value += set.Count == 0 ? 0 : set.Max(j => similarityOf(i, j));
        return value;
    }

    /// <summary>sim(i, j) from the distance matrix under the rule chosen (this file's header).</summary>
    private static Func<int, int, double> SimilarityOf(float[] distances, int n, CoresetSimilarity similarity)
    {
        double sum = 0, largest = 0;
        foreach (float d in distances)
        {
            sum += d;
            largest = Math.Max(largest, d);
        }
        double delta = Math.Max(1e-3 * sum / ((double)n * n), 1e-12);
        return similarity == CoresetSimilarity.Reciprocal
            ? (i, j) => 1 / (Math.Max(distances[(long)i * n + j], 0) + delta)
            : (i, j) => largest - Math.Max(distances[(long)i * n + j], 0);
    }
}
