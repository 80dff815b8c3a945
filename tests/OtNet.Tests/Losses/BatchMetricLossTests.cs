// The batch losses of metric learning: a contrastive batch and an N-pair one computed by hand;
// the triplet, margin, N-pair, multi-similarity and ProxyNCA losses' gradients in the distances (and in
// the margin loss's beta) against finite differences on FsCheck-drawn batches; the sampling rules on batches where the choice is known;
// a batch without a positive refused.
using FsCheck;
using FsCheck.Fluent;
using OtNet.Losses;
using Xunit;

namespace OtNet.Tests.Losses;

public class BatchMetricLossTests
{
    /// <summary>A symmetric B x B matrix of distances in (0.1, 2) with a zero diagonal.</summary>
    private static double[] Distances(int b, Random rng)
    {
        var d = new double[b * b];
        for (int i = 0; i < b; i++)
            for (int j = i + 1; j < b; j++) d[i * b + j] = d[j * b + i] = 0.1 + 1.9 * rng.NextDouble();
        return d;
    }

    /// <summary>The loss's gradient in each distance D_ij = D_ji (the sum of both entries)
    /// against central differences that move both entries together, the draws repeated by seed.</summary>
    private static void CheckGradient(BatchMetricLoss loss, double[] d, int[] labels, int seed, Parameter? beta = null)
    {
        int b = labels.Length;
        var gradient = new double[b * b];
        if (beta is not null) Array.Clear(beta.Gradient);
        loss.Loss(d, labels, gradient, new Random(seed));
        float analytic = beta?.Gradient[0] ?? 0; // read now: every later call adds to it
        double Value() => loss.Loss(d, labels, new double[b * b], new Random(seed));
        // Sampling (semi-hard, distance-weighted) and the margin loss's count of active pairs
        // make the loss jump where a choice flips; a difference across a jump grows as the step
        // shrinks, so an entry whose differences at h and h/2 disagree straddles one and is
        // left out. At most a tenth may be: the check cannot go quiet.
        double Difference(int i, int j, double step)
        {
            double keep = d[i * b + j];
            d[i * b + j] = d[j * b + i] = keep + step;
            double plus = Value();
            d[i * b + j] = d[j * b + i] = keep - step;
            double minus = Value();
            d[i * b + j] = d[j * b + i] = keep;
            return (plus - minus) / (2 * step);
        }
        int checkedEntries = 0, jumps = 0;
        for (int i = 0; i < b; i++)
            for (int j = i + 1; j < b; j++)
            {
                double numeric = Difference(i, j, 1e-6);
                if (Math.Abs(numeric - Difference(i, j, 5e-7)) > 1e-6) { jumps++; continue; }
                checkedEntries++;
                Assert.Equal(numeric, gradient[i * b + j] + gradient[j * b + i], 1e-6);
            }
        Assert.True(jumps * 10 <= checkedEntries + jumps, $"{jumps} of {checkedEntries + jumps} entries straddle a jump");
        if (beta is null) return;
        // The margin loss is linear in beta between the kinks where a pair's hinge opens or
        // closes (which also changes the count it divides by): a step across one is seen as
        // unequal halves, and the check is then left out rather than compared across a jump.
        float start = beta.Value[0], h = 1f / 1024; // exact offsets in float
        double mid = Value();
        beta.Value[0] = start + h;
        double up = Value();
        beta.Value[0] = start - h;
        double down = Value();
        beta.Value[0] = start;
        if (Math.Abs((up - mid) - (mid - down)) > 1e-9) return;
        Assert.Equal((up - down) / (2 * h), analytic, 1e-4);
    }

    [Fact]
    public void Contrastive_IsTheMeanOverAllPairs()
    {
        // Labels 0, 0, 1; d01 = 0.5 (similar), d02 = 0.3 and d12 = 1.5 (dissimilar), margin 1:
        // (0.5 + (1 - 0.3) + 0) / 3 pairs, slopes 1/3, -1/3 and 0.
        double[] d = [0, 0.5, 0.3, 0.5, 0, 1.5, 0.3, 1.5, 0];
        var gradient = new double[9];
        Assert.Equal(0.4, new ContrastiveBatchLoss(1).Loss(d, [0, 0, 1], gradient, new Random(1)), 12);
        double[] expected = [0, 1 / 3.0, -1 / 3.0, 0, 0, 0, 0, 0, 0];
        for (int k = 0; k < 9; k++) Assert.Equal(expected[k], gradient[k], 12);
        // Squared: (0.25 + 0.49) / 3, slopes 2 d / 3 and -2 (1 - d) / 3.
        Assert.Equal(0.74 / 3, new ContrastiveBatchLoss(1, ContrastiveForm.Squared).Loss(d, [0, 0, 1], gradient, new Random(1)), 12);
        Assert.Equal(-1.4 / 3, gradient[2], 12);
    }

    [Fact]
    public void TripletMarginNPairMultiSimilarityAndProxyNca_GradientsMatchFiniteDifferences()
    {
        Prop.ForAll((from b in Gen.Choose(4, 12) from classes in Gen.Choose(2, b / 2) from seed in Gen.Choose(0, int.MaxValue) select (b, classes, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            int[] labels = [.. Enumerable.Range(0, t.b).Select(i => i % t.classes)];
            double[] d = Distances(t.b, rng);
            foreach (TripletSampling sampling in Enum.GetValues<TripletSampling>())
                CheckGradient(new TripletBatchLoss(0.3, sampling, dimension: 16), d, labels, t.seed);
            var margin = new MarginBatchLoss(dimension: 16);
            CheckGradient(margin, d, labels, t.seed, margin.Parameters[0]);
            CheckGradient(new NPairBatchLoss(), d, labels, t.seed);
            CheckGradient(new MultiSimilarityBatchLoss(beta: 10), d, labels, t.seed);
            // ProxyNCA: the batch's rows followed by one proxy row per class.
            int[] classes = [.. Enumerable.Range(0, t.classes)];
            CheckGradient(new ProxyNcaBatchLoss(classes, 4, rng), Distances(t.b + t.classes, rng), [.. labels, .. classes], t.seed);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void NPair_OfOneAnchorPerClass_IsTheHandComputedSoftmax()
    {
        // Labels 0, 0, 1: each of 0 and 1 has the other as positive and 2 as negative; 2 has no
        // positive. S = 1 - D^2/2: S01 = 1 - 0.5, S02 = 1 - 0.08, S12 = 1 - 0.32.
        double[] d = [0, 1, 0.4, 1, 0, 0.8, 0.4, 0.8, 0];
        double s01 = 0.5, s02 = 0.92, s12 = 0.68;
        double expected = (Math.Log(1 + Math.Exp(s02 - s01)) + Math.Log(1 + Math.Exp(s12 - s01))) / 2;
        Assert.Equal(expected, new NPairBatchLoss().Loss(d, [0, 0, 1], new double[9], new Random(1)), 12);
    }

    [Fact]
    public void SemiHard_TakesANegativeWithinTheMargin_ElseTheNearestFarther_ElseTheFarthest()
    {
        // Anchor 0 (class 0), positive at 0.5; negatives 1, 2, 3 (class 1) at the distances given.
        static int Pick(double d1, double d2, double d3) =>
            TripletBatchLoss.Negative([0, d1, d2, d3, 0.5], [0, 1, 1, 1, 0], 0, 0.5, TripletSampling.SemiHard, 0.2, 0, new Random(3));
        Assert.Equal(2, Pick(0.2, 0.6, 1.0));   // only 0.6 lies in (0.5, 0.7)
        Assert.Equal(3, Pick(0.2, 1.2, 0.9));   // none within: the nearest farther than 0.5
        Assert.Equal(2, Pick(0.2, 0.4, 0.3));   // none farther: the farthest
        // Distance-weighted never draws a negative beyond 1.4 while one is nearer.
        for (int seed = 0; seed < 50; seed++)
            Assert.Equal(2, TripletBatchLoss.Negative([0, 1.5, 0.9, 1.8, 0.5], [0, 1, 1, 1, 0], 0, 0.5, TripletSampling.DistanceWeighted, 0.2, 16, new Random(seed)));
    }

    [Fact]
    public void ABatchWithoutAPositive_OrOfTheWrongShape_IsRefused()
    {
        var loss = new TripletBatchLoss(0.2, TripletSampling.Random);
        Assert.Contains("another sample of its class", Assert.Throws<ArgumentException>(() => loss.Loss(new double[9], [0, 1, 2], new double[9], new Random(1))).Message);
        Assert.Contains("distances has 8 values", Assert.Throws<ArgumentException>(() => loss.Loss(new double[8], [0, 1, 0], new double[9], new Random(1))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TripletBatchLoss(0, TripletSampling.Random));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TripletBatchLoss(0.2, TripletSampling.DistanceWeighted));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContrastiveBatchLoss(double.NaN));
        var proxies = new ProxyNcaBatchLoss([3, 5], 2, new Random(1));
        Assert.Contains("proxy of class 5", Assert.Throws<ArgumentException>(() => proxies.Loss(new double[16], [3, 5, 3, 3], new double[16], new Random(1))).Message);
        Assert.Throws<ArgumentException>(() => new ProxyNcaBatchLoss([3, 3], 2, new Random(1)));
    }
}
