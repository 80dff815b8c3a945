// k-means (Lloyd's iteration, k-means++ seeding of Arthur and Vassilvitskii 2007) on points
// [count, d] under the squared Euclidean distance: in a DWE embedding, Wasserstein k-means
// (Courty et al. 2018). Seeded, so runs repeat; the assignment runs in parallel over points.
// Purity scores a clustering against labels: the fraction of points whose cluster's most
// frequent label is their own.
namespace OtNet.Analysis;

/// <summary>A k-means clustering: centroids [k, d], each point's cluster, the final sum of squared distances, and the iterations run.</summary>
public sealed record KMeans(float[] Centroids, int[] Assignment, double Objective, int Iterations)
{
    /// <summary>Lloyd's algorithm from k-means++ seeds on points [count, dimension].</summary>
    public static KMeans Fit(float[] points, int dimension, int k, int seed = 1, int maxIterations = 100)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (points.Length % dimension != 0) throw new ArgumentException($"points has {points.Length} values, not a multiple of {dimension}.", nameof(points));
        int count = points.Length / dimension;
        if (k < 1 || k > count) throw new ArgumentOutOfRangeException(nameof(k), k, $"Between 1 and the {count} points.");
        var rng = new Random(seed);
        var centroids = new float[k * dimension];
        // k-means++: each next centre drawn with probability proportional to D(x)^2.
        var nearest = Enumerable.Repeat(double.PositiveInfinity, count).ToArray();
        int chosen = rng.Next(count);
        for (int c = 0; c < k; c++)
        {
            points.AsSpan(chosen * dimension, dimension).CopyTo(centroids.AsSpan(c * dimension));
            double total = 0;
            for (int p = 0; p < count; p++)
            {
                nearest[p] = Math.Min(nearest[p], Distance(points, p, centroids, c, dimension));
                total += nearest[p];
            }
            double target = rng.NextDouble() * total;
            chosen = count - 1;
            for (int p = 0; p < count; p++)
                if ((target -= nearest[p]) < 0) { chosen = p; break; }
        }
        var assignment = new int[count];
        double objective = double.PositiveInfinity;
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            var distance = new double[count];
            Parallel.For(0, count, p =>
            {
                int best = 0;
                double bestDistance = double.PositiveInfinity;
                for (int c = 0; c < k; c++)
                {
                    double d = Distance(points, p, centroids, c, dimension);
                    if (d < bestDistance) (best, bestDistance) = (c, d);
                }
                assignment[p] = best;
                distance[p] = bestDistance;
            });
            double next = distance.Sum();
            var sums = new double[k * dimension];
            var sizes = new int[k];
            for (int p = 0; p < count; p++)
            {
                sizes[assignment[p]]++;
                for (int i = 0; i < dimension; i++) sums[assignment[p] * dimension + i] += points[p * dimension + i];
            }
            for (int c = 0; c < k; c++)
                if (sizes[c] > 0)
                    for (int i = 0; i < dimension; i++) centroids[c * dimension + i] = (float)(sums[c * dimension + i] / sizes[c]);
            bool settled = next >= objective;
            objective = Math.Min(objective, next);
            if (settled) break;
        }
        return new KMeans(centroids, assignment, objective, iteration + 1);
    }

    /// <summary>The fraction of points whose cluster's most frequent label is their own.</summary>
    public static double Purity(int[] assignment, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(labels);
        if (assignment.Length != labels.Length || assignment.Length == 0)
            throw new ArgumentException($"{assignment.Length} assignments and {labels.Length} labels; need the same positive number.");
        return assignment.Zip(labels).GroupBy(x => x.First).Sum(g => g.GroupBy(x => x.Second).Max(l => l.Count())) / (double)assignment.Length;
    }

    private static double Distance(float[] points, int p, float[] centroids, int c, int dimension)
    {
        double sum = 0;
        for (int i = 0; i < dimension; i++)
        {
            double d = (double)points[p * dimension + i] - centroids[c * dimension + i];
            sum += d * d;
        }
        return sum;
    }
}
