// k-medoids on a distance matrix, for embeddings whose space has no cheap mean (point clouds
// compared by a Sinkhorn divergence, whose mean would be a barycenter): the Voronoi iteration
// of Park and Jun 2009, k-means with each centre restricted to the member that minimises the
// summed distance to its cluster, seeded like k-means++ (each next seed drawn with probability
// proportional to its squared distance to the nearest seed). Seeded, so runs repeat.
namespace OtNet.Analysis;

/// <summary>A k-medoids clustering: the medoids' indices, each point's cluster, and the summed distance to the medoids.</summary>
public sealed record KMedoids(int[] Medoids, int[] Assignment, double Objective)
{
    /// <summary>k clusters of the n points of the n x n distance matrix.</summary>
    /// <exception cref="ArgumentException">A matrix that is not square, or k outside 1..n.</exception>
    public static KMedoids Fit(float[] distances, int n, int k, int seed = 1, int maxIterations = 100)
    {
        ArgumentNullException.ThrowIfNull(distances);
        if (n < 1 || distances.LongLength != (long)n * n) throw new ArgumentException($"distances has {distances.LongLength} values, not {n} x {n}.", nameof(distances));
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"Between 1 and the {n} points.");
        float D(int i, int j) => distances[(long)i * n + j];
        var rng = new Random(seed);
        var medoids = new int[k];
        var nearest = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
        medoids[0] = rng.Next(n);
        for (int c = 1; c < k; c++)
        {
            double total = 0;
            for (int p = 0; p < n; p++)
            {
                nearest[p] = Math.Min(nearest[p], Math.Pow(D(p, medoids[c - 1]), 2));
                total += nearest[p];
            }
            double target = rng.NextDouble() * total;
            medoids[c] = n - 1;
            for (int p = 0; p < n; p++)
                if ((target -= nearest[p]) < 0) { medoids[c] = p; break; }
        }
        var assignment = new int[n];
        double Assign()
        {
            double sum = 0;
            for (int p = 0; p < n; p++)
            {
                int best = 0;
                for (int c = 1; c < k; c++)
                    if (D(p, medoids[c]) < D(p, medoids[best])) best = c;
                assignment[p] = best;
                sum += D(p, medoids[best]);
            }
            return sum;
        }
        double objective = Assign();
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            // Each cluster's new medoid: the member with the least summed distance to the others.
            int[][] members = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, n).Where(p => assignment[p] == c).ToArray()).ToArray();
            int[] previous = [.. medoids];
            Parallel.For(0, k, c =>
            {
                double bestSum = double.PositiveInfinity;
                foreach (int candidate in members[c])
                {
                    double within = 0;
                    foreach (int other in members[c]) within += D(candidate, other);
                    if (within < bestSum) (bestSum, medoids[c]) = (within, candidate);
                }
            });
            double next = Assign();
            if (next >= objective)
            {
                // No gain: keep the medoids that gave the objective, and their assignment.
                previous.CopyTo(medoids, 0);
                objective = Assign();
                break;
            }
            objective = next;
        }
        return new KMedoids(medoids, assignment, objective);
    }
}
