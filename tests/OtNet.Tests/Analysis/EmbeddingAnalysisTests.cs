// Mining in a DWE embedding against its definitions (Courty et al. 2018, eq. 3 and 5) and
// against each other: a weighted mean by hand; the two-point barycenter with alpha = [1-t, t]
// is the interpolation at t, whose ends are the decoded ends; the geodesics at zero deviation
// are the uniform barycenter; points along a component lie at the asked deviations; k-means
// in the embedding is KMeans.Fit on the embeddings.
using FsCheck;
using FsCheck.Fluent;
using OtNet.Analysis;
using OtNet.Models;
using Xunit;

namespace OtNet.Tests.Analysis;

public class EmbeddingAnalysisTests
{
    private const int Side = 8;
    private static readonly DeepWassersteinEmbedding Model = new(Side, Side, 6, seed: 3);

    private static float[] Histograms(int count, int seed)
    {
        var rng = new Random(seed);
        var h = new float[count * Side * Side];
        for (int k = 0; k < count; k++)
        {
            Span<float> one = h.AsSpan(k * Side * Side, Side * Side);
            for (int p = 0; p < one.Length; p++) one[p] = (float)rng.NextDouble();
            float sum = 0;
            foreach (float v in one) sum += v;
            for (int p = 0; p < one.Length; p++) one[p] /= sum;
        }
        return h;
    }

    [Fact]
    public void Mean_IsTheWeightedAverage_AndBadWeightsAreNamed()
    {
        Prop.ForAll((from count in Gen.Choose(1, 9) from d in Gen.Choose(1, 5) from seed in Gen.Choose(0, int.MaxValue) select (count, d, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] points = Enumerable.Range(0, t.count * t.d).Select(_ => (float)(rng.NextDouble() * 10 - 5)).ToArray();
            double[] weights = Enumerable.Range(0, t.count).Select(_ => rng.NextDouble() + 0.01).ToArray();
            float[] mean = EmbeddingAnalysis.Mean(points, t.d, weights);
            for (int i = 0; i < t.d; i++)
            {
                double expected = Enumerable.Range(0, t.count).Sum(k => weights[k] * points[k * t.d + i]) / weights.Sum();
                Assert.Equal(expected, mean[i], 1e-5);
            }
            float[] uniform = EmbeddingAnalysis.Mean(points, t.d);
            Assert.Equal(Enumerable.Range(0, t.count).Average(k => (double)points[k * t.d]), uniform[0], 1e-5);
        }).QuickCheckThrowOnFailure();
        Assert.Contains("weights[1]", Assert.Throws<ArgumentException>("weights", () => EmbeddingAnalysis.Mean([1, 2], 1, [1, -1])).Message);
        Assert.Throws<ArgumentException>("weights", () => EmbeddingAnalysis.Mean([1, 2], 1, [1]));
        Assert.Throws<ArgumentException>("weights", () => EmbeddingAnalysis.Mean([1, 2], 1, [0, 0]));
        Assert.Throws<ArgumentException>("points", () => EmbeddingAnalysis.Mean([1, 2, 3], 2));
    }

    [Fact]
    public void TwoPointBarycenter_IsTheInterpolation_WhoseEndsAreTheDecodedEnds()
    {
        int pixels = Model.Pixels;
        float[] ends = Histograms(2, seed: 1);
        double[] times = [0, 0.3, 1];
        float[] path = Model.Interpolation(ends.AsSpan(0, pixels), ends.AsSpan(pixels), times);
        Assert.Equal(times.Length * pixels, path.Length);
        float[] decodedEnds = Model.Decode(Model.Embed(ends));
        AssertClose(decodedEnds.AsSpan(0, pixels), path.AsSpan(0, pixels), 1e-6);
        AssertClose(decodedEnds.AsSpan(pixels), path.AsSpan(2 * pixels), 1e-6);
        AssertClose(Model.Barycenter(ends, [0.7, 0.3]), path.AsSpan(pixels, pixels), 1e-6);
        Assert.Equal(1, Model.Barycenter(ends).Sum(), 1e-4);
        Assert.Throws<ArgumentException>(() => Model.Interpolation(ends.AsSpan(0, pixels - 1), ends.AsSpan(pixels), times));
    }

    [Fact]
    public void PrincipalGeodesics_AtZeroDeviation_AreTheBarycenter()
    {
        float[] members = Histograms(40, seed: 2);
        double[] deviations = [-2, 0, 2];
        float[] rows = Model.PrincipalGeodesics(members, 2, deviations);
        Assert.Equal(2 * 3 * Model.Pixels, rows.Length);
        float[] barycenter = Model.Barycenter(members);
        foreach (int row in new[] { 1, 4 }) AssertClose(barycenter, rows.AsSpan(row * Model.Pixels, Model.Pixels), 1e-5);
    }

    [Fact]
    public void Points_LieAtTheAskedDeviationsAlongEachComponent()
    {
        var rng = new Random(4);
        float[] points = Enumerable.Range(0, 200 * 3).Select(i => (float)((i % 3 + 1) * (rng.NextDouble() - 0.5))).ToArray();
        PrincipalComponents pca = PrincipalComponents.Of(points, 3, 2);
        float[] along = pca.Points(2, [-1.5, 0, 2]);
        for (int c = 0; c < 2; c++)
            for (int s = 0; s < 3; s++)
            {
                double expected = new[] { -1.5, 0, 2 }[s] * Math.Sqrt(pca.Variances[c]);
                double projection = Enumerable.Range(0, 3).Sum(d => (along[(c * 3 + s) * 3 + d] - pca.Mean[d]) * pca.Directions[c][d]);
                double rest = Enumerable.Range(0, 3).Sum(d => Math.Pow(along[(c * 3 + s) * 3 + d] - pca.Mean[d] - projection * pca.Directions[c][d], 2));
                Assert.Equal(expected, projection, 1e-5);
                Assert.Equal(0, rest, 1e-9);
            }
        Assert.Throws<ArgumentOutOfRangeException>("components", () => pca.Points(3, [0]));
    }

    [Fact]
    public void KMeansInTheEmbedding_IsKMeansOnTheEmbeddings_WithDecodedCentroids()
    {
        float[] members = Histograms(30, seed: 5);
        var (clustering, centroids) = Model.KMeans(members, 3, seed: 2);
        KMeans direct = KMeans.Fit(Model.Embed(members), Model.EmbeddingSize, 3, seed: 2);
        Assert.Equal(direct.Assignment, clustering.Assignment);
        AssertClose(Model.Decode(direct.Centroids), centroids, 0);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}]: {expected[i]} vs {actual[i]}");
    }
}
