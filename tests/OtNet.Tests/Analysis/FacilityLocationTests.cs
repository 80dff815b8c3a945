// WCRAIG's coreset selection: the lazy greedy takes the same points as the plain greedy
// written here (every gain recomputed every step), reaches at least 1 - 1/e of the best set
// found by trying every set (FsCheck cases small enough to enumerate), reports the value of
// what it chose, and its weights count every point once; on planted groups it takes
// one point per group.
using FsCheck;
using FsCheck.Fluent;
using OtNet.Analysis;
using Xunit;

namespace OtNet.Tests.Analysis;

public class FacilityLocationTests
{
    private static float[] PointDistances(double[] x, int d)
    {
        int n = x.Length / d;
        var m = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i * n + j] = (float)Math.Sqrt(Enumerable.Range(0, d).Sum(k => Math.Pow(x[i * d + k] - x[j * d + k], 2)));
        return m;
    }

    [Fact]
    public void LazyGreedy_IsThePlainGreedy_AndWithinOneMinusOneOverEOfTheBest()
    {
        Prop.ForAll((from n in Gen.Choose(1, 9) from size in Gen.Choose(1, 9) from seed in Gen.Choose(0, int.MaxValue) from offset in Gen.Elements(false, true)
                     select (n, size, seed, offset)).ToArbitrary(), t =>
        {
            int size = Math.Min(t.size, t.n);
            var rng = new Random(t.seed);
            float[] distances = PointDistances([.. Enumerable.Range(0, 2 * t.n).Select(_ => (double)rng.Next(5))], 2); // coarse: ties happen
            CoresetSimilarity rule = t.offset ? CoresetSimilarity.Offset : CoresetSimilarity.Reciprocal;
            FacilityLocation lazy = FacilityLocation.Select(distances, t.n, size, rule);
            // The plain greedy: every gain recomputed at every step, the largest taken, ties to
            // the lower index; sim(i, j) written out from the rule (delta: 1e-3 of the mean distance).
            double delta = Math.Max(1e-3 * distances.Sum(v => (double)v) / (t.n * t.n), 1e-12), largest = distances.Max();
            double Sim(int i, int j) => t.offset ? largest - distances[i * t.n + j] : 1 / (distances[i * t.n + j] + delta);
            var plain = new List<int>();
            var covered = new double[t.n];
            for (int step = 0; step < size; step++)
            {
                int pick = -1;
                double pickGain = double.NegativeInfinity;
                for (int j = 0; j < t.n; j++)
                {
                    if (plain.Contains(j)) continue;
                    double gain = 0;
                    for (int i = 0; i < t.n; i++) gain += Math.Max(0, Sim(i, j) - covered[i]);
                    if (gain > pickGain) (pick, pickGain) = (j, gain);
                }
                plain.Add(pick);
                for (int i = 0; i < t.n; i++) covered[i] = Math.Max(covered[i], Sim(i, pick));
            }
            Assert.Equal(plain, lazy.Selected);
            double value = FacilityLocation.ValueOf(distances, t.n, lazy.Selected, rule);
            Assert.Equal(value, lazy.Value, 1e-9 * Math.Max(1, value));
            double best = Subsets(t.n, size).Max(set => FacilityLocation.ValueOf(distances, t.n, set, rule));
            Assert.True(value >= (1 - 1 / Math.E) * best - 1e-9, $"greedy {value} against the best {best}");
            Assert.Equal(t.n, lazy.Weights.Sum());
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>Every set of size indices among n, each once (increasing).</summary>
    private static IEnumerable<int[]> Subsets(int n, int size, int from = 0)
    {
        if (size == 0)
        {
            yield return [];
            yield break;
        }
        for (int first = from; first <= n - size; first++)
            foreach (int[] rest in Subsets(n, size - 1, first + 1)) yield return [first, .. rest];
    }

    [Fact]
    public void PlantedGroups_GetOnePointEach_WeightedByTheirSizes()
    {
        // Groups of 5, 3 and 2 points around 0, 10 and 20 on a line.
        double[] x = [0, 0.1, 0.2, -0.1, 0.05, 10, 10.1, 9.9, 20, 20.2];
        FacilityLocation coreset = FacilityLocation.Select(PointDistances(x, 1), x.Length, 3);
        int Group(int i) => (int)Math.Round(x[i] / 10);
        Assert.Equal([0, 1, 2], coreset.Selected.Select(Group).Order());
        Assert.Equal([5, 3, 2], coreset.Selected.Zip(coreset.Weights).OrderBy(p => Group(p.First)).Select(p => p.Second));
        Assert.Throws<ArgumentOutOfRangeException>(() => FacilityLocation.Select(PointDistances(x, 1), x.Length, 11));
    }
}
