// Principal components against their definition (C v = lambda v, orthonormal, descending)
// and against planted directions; k-means on planted clusters (purity 1) and purity itself.
using FsCheck;
using FsCheck.Fluent;
using OtNet.Analysis;
using Xunit;

namespace OtNet.Tests.Analysis;

public class AnalysisTests
{
    [Fact]
    public void PrincipalComponents_AreEigenvectorsOfTheCovariance_AndFindPlantedDirections()
    {
        Prop.ForAll((from d in Gen.Choose(3, 12) from seed in Gen.Choose(0, int.MaxValue) select (d, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            // Three orthonormal directions with standard deviations 5, 3 and 2, plus noise 0.1.
            var u = new double[3][];
            for (int c = 0; c < 3; c++)
            {
                u[c] = Enumerable.Range(0, t.d).Select(_ => rng.NextDouble() - 0.5).ToArray();
                for (int q = 0; q < c; q++)
                {
                    double dot = u[c].Zip(u[q], (a, b) => a * b).Sum();
                    for (int i = 0; i < t.d; i++) u[c][i] -= dot * u[q][i];
                }
                double norm = Math.Sqrt(u[c].Sum(x => x * x));
                for (int i = 0; i < t.d; i++) u[c][i] /= norm;
            }
            const int count = 3000;
            double[] sigma = [5, 3, 2];
            var points = new float[count * t.d];
            for (int p = 0; p < count; p++)
                for (int c = 0; c < 3; c++)
                {
                    double g = Normal(rng) * sigma[c];
                    for (int i = 0; i < t.d; i++) points[p * t.d + i] += (float)(g * u[c][i] + (c == 0 ? 0.1 * Normal(rng) + 1 : 0));
                }
            PrincipalComponents pca = PrincipalComponents.Of(points, t.d, 3);
            double[] covariance = Covariance(points, t.d);
            for (int c = 0; c < 3; c++)
            {
                double[] v = pca.Directions[c];
                Assert.Equal(1, v.Sum(x => x * x), 1e-9);
                double[] cv = Enumerable.Range(0, t.d).Select(i => Enumerable.Range(0, t.d).Sum(j => covariance[i * t.d + j] * v[j])).ToArray();
                for (int i = 0; i < t.d; i++) Assert.Equal(pca.Variances[c] * v[i], cv[i], 1e-6 * pca.Variances[0]);
                Assert.True(Math.Abs(v.Zip(u[c], (a, b) => a * b).Sum()) > 0.99, $"component {c} misses the planted direction");
                Assert.InRange(pca.Variances[c], 0.85 * sigma[c] * sigma[c], 1.15 * sigma[c] * sigma[c] + 0.05);
                if (c > 0) Assert.True(pca.Variances[c] <= pca.Variances[c - 1]);
            }
            Assert.Equal(0, pca.Directions[0].Zip(pca.Directions[1], (a, b) => a * b).Sum(), 1e-6);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    [Fact]
    public void KMeans_RecoversPlantedClusters_AndPurityCountsMajorities()
    {
        var rng = new Random(3);
        const int k = 4, per = 50, d = 5;
        var points = new float[k * per * d];
        var labels = new int[k * per];
        for (int c = 0; c < k; c++)
            for (int p = 0; p < per; p++)
            {
                labels[c * per + p] = c;
                for (int i = 0; i < d; i++) points[(c * per + p) * d + i] = (float)((i == c ? 20 : 0) + Normal(rng));
            }
        KMeans fit = KMeans.Fit(points, d, k, seed: 5);
        Assert.Equal(1.0, KMeans.Purity(fit.Assignment, labels));
        Assert.Equal(fit.Assignment, KMeans.Fit(points, d, k, seed: 5).Assignment);
        Assert.Equal(0.75, KMeans.Purity([0, 0, 0, 0], [1, 1, 1, 2]));
        Assert.Equal(1.0, KMeans.Purity([0, 1, 2, 3], [1, 1, 1, 2]));
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static double[] Covariance(float[] points, int d)
    {
        int count = points.Length / d;
        var mean = new double[d];
        for (int p = 0; p < count; p++) for (int i = 0; i < d; i++) mean[i] += points[p * d + i] / (double)count;
        var c = new double[d * d];
        for (int p = 0; p < count; p++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) c[i * d + j] += (points[p * d + i] - mean[i]) * (points[p * d + j] - mean[j]) / (count - 1);
        return c;
    }
}
