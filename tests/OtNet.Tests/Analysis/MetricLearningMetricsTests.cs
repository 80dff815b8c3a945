// The retrieval and clustering metrics of metric learning on cases computed by hand, the
// pairwise matrix against the distance it is built from (FsCheck shapes, blocks that do not
// divide the pairs), and k-medoids on groups it must find.
using FsCheck;
using FsCheck.Fluent;
using OtNet.Analysis;
using Xunit;

namespace OtNet.Tests.Analysis;

public class MetricLearningMetricsTests
{
    // Points on a line at 0, 1, 2, 10, 11 with classes 0, 0, 1, 1, 0; the distance |x - y|.
    private static readonly float[] Positions = [0, 1, 2, 10, 11];
    private static readonly int[] Classes = [0, 0, 1, 1, 0];

    private static float[] LineMatrix(float[] x) =>
        [.. from i in Enumerable.Range(0, x.Length) from j in Enumerable.Range(0, x.Length) select Math.Abs(x[i] - x[j])];

    [Fact]
    public void RecallAndMapAtR_MatchTheHandComputedLine()
    {
        // Neighbours, nearest first (ties by index): 0 -> 1 2 3 4; 1 -> 0 2 3 4; 2 -> 1 0 3 4;
        // 3 -> 4 2 1 0; 4 -> 3 2 1 0. R@1: queries 0 and 1 hit, 2/5. R@2: 0, 1 and 3 hit,
        // 3/5. AP@R: 0 and 1 (R = 2) find one of two in first place, 1/2 each; 2, 3 (R = 1)
        // and 4 (R = 2) find none first: mAP@R = 1/5.
        (double[] recall, double map) = RetrievalMetrics.Compute(LineMatrix(Positions), Classes, [1, 2, 4]);
        Assert.Equal([0.4, 0.6, 1.0], recall.Select(r => Math.Round(r, 12)));
        Assert.Equal(0.2, map, 12);
        // At 0, 1, 3, 20 with classes 0, 1, 0, 0: queries 0 and 2 (R = 2) find their class
        // second, AP = (1/2)(0 + 1/2); query 3 finds it first, AP = (1/2)(1 + 0); query 1 is
        // alone in its class and left out: mAP@R = (1/4 + 1/4 + 1/2) / 3.
        Assert.Equal(1.0 / 3, RetrievalMetrics.Compute(LineMatrix([0, 1, 3, 20]), [0, 1, 0, 0], [1]).MapAtR, 12);
    }

    [Fact]
    public void RecallAndMap_AreOne_WhenClassesAreApart_AndBadInputIsNamed()
    {
        float[] x = [0, 0.1f, 0.2f, 5, 5.1f, 9, 9.3f, 9.4f];
        int[] labels = [2, 2, 2, 0, 0, 7, 7, 7];
        (double[] recall, double map) = RetrievalMetrics.Compute(LineMatrix(x), labels, [1]);
        Assert.Equal(1.0, recall[0]);
        Assert.Equal(1.0, map);
        Assert.Contains("Each k", Assert.Throws<ArgumentOutOfRangeException>(() => RetrievalMetrics.Compute(LineMatrix(x), labels, [8])).Message);
        Assert.Contains("not 8 x 8", Assert.Throws<ArgumentException>(() => RetrievalMetrics.Compute(new float[63], labels, [1])).Message);
    }

    [Fact]
    public void NmiAndPairF1_MatchHandComputedCases()
    {
        // Clusters {0, 1, 2}, {3} against classes {0, 1}, {2, 3}: I = 1/2 ln(4/3) + 1/4 ln(2/3)
        // + 1/4 ln 2, H(C) = -(3/4 ln 3/4 + 1/4 ln 1/4), H(Y) = ln 2, NMI = 2 I / (H(C) + H(Y)).
        double information = 0.5 * Math.Log(4.0 / 3) + 0.25 * Math.Log(2.0 / 3) + 0.25 * Math.Log(2);
        double entropies = -(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25)) + Math.Log(2);
        Assert.Equal(2 * information / entropies, ClusteringMetrics.NormalizedMutualInformation([0, 0, 0, 1], [0, 0, 1, 1]), 12);
        Assert.Equal(0.3437110184854508, ClusteringMetrics.NormalizedMutualInformation([0, 0, 0, 1], [0, 0, 1, 1]), 12);
        // Pairs: together 1 ({0, 1}); same cluster 3; same class 2: P = 1/3, R = 1/2, F1 = 0.4.
        Assert.Equal(0.4, ClusteringMetrics.PairCountingF1([0, 0, 0, 1], [0, 0, 1, 1]), 12);
        // Relabelled clusters score the same; clusters independent of the classes score 0 NMI.
        Assert.Equal(1.0, ClusteringMetrics.NormalizedMutualInformation([5, 5, 3, 3], [0, 0, 1, 1]), 12);
        Assert.Equal(1.0, ClusteringMetrics.PairCountingF1([5, 5, 3, 3], [0, 0, 1, 1]), 12);
        Assert.Equal(0.0, ClusteringMetrics.NormalizedMutualInformation([0, 1, 0, 1], [0, 0, 1, 1]), 12);
        Assert.Throws<ArgumentException>(() => ClusteringMetrics.PairCountingF1([0, 1], [0]));
    }

    [Fact]
    public void Matrix_IsTheDistanceOfEveryPair_InAnyBlockSize()
    {
        Prop.ForAll((from n in Gen.Choose(1, 30) from d in Gen.Choose(1, 5) from block in Gen.Choose(1, 50) from seed in Gen.Choose(0, int.MaxValue)
                     select (n, d, block, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] rows = Enumerable.Range(0, t.n * t.d).Select(_ => (float)rng.NextDouble()).ToArray();
            // The Euclidean distance of the gathered rows; the expected value below comes from the
            // rows by index, so the check is on which pair lands where.
            float[] matrix = PairwiseDistances.Matrix(rows, t.d, (u, v, d) =>
            {
                for (int p = 0; p < d.Length; p++)
                    d[p] = Math.Sqrt(Enumerable.Range(0, t.d).Sum(k => Math.Pow((double)u[p * t.d + k] - v[p * t.d + k], 2)));
            }, t.block);
            for (int i = 0; i < t.n; i++)
                for (int j = 0; j < t.n; j++)
                {
                    double expected = Math.Sqrt(Enumerable.Range(0, t.d).Sum(k => Math.Pow((double)rows[i * t.d + k] - rows[j * t.d + k], 2)));
                    Assert.Equal(expected, matrix[i * t.n + j], 1e-6 * Math.Max(1, expected)); // stored in float
                }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void KMedoids_FindsSeparatedGroups_WithTheirSummedDistance()
    {
        float[] x = [0, 0.2f, 0.4f, 10, 10.1f, 10.5f, 20, 20.3f];
        KMedoids clustering = KMedoids.Fit(LineMatrix(x), x.Length, 3, seed: 4);
        int[] a = clustering.Assignment;
        Assert.Equal(3, new[] { a[0], a[3], a[6] }.Distinct().Count());
        Assert.True(a[0] == a[1] && a[1] == a[2] && a[3] == a[4] && a[4] == a[5] && a[6] == a[7]);
        // The medoids are 0.2, 10.1 and either end of the last pair: 0.2 + 0.2 + 0.1 + 0.4 + 0.3.
        Assert.Equal(1.2, clustering.Objective, 5);
        Assert.Equal(1.0, ClusteringMetrics.NormalizedMutualInformation(a, [0, 0, 0, 1, 1, 1, 2, 2]), 12);
    }
}
