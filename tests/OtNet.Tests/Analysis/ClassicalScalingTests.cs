// Classical scaling against independent references: on Euclidean distances it must give the
// PCA projection of the points (computed by PrincipalComponents from the points themselves),
// and on a matrix with a planted spectrum the shifted power iteration must return the largest
// eigenvalues, not the largest in magnitude. Bad matrices are named.
using FsCheck;
using FsCheck.Fluent;
using OtNet.Analysis;
using Xunit;

namespace OtNet.Tests.Analysis;

public class ClassicalScalingTests
{
    [Fact]
    public void OnEuclideanDistances_IsThePcaProjection_UpToTheAxesSigns()
    {
        Prop.ForAll((from d in Gen.Choose(3, 8) from n in Gen.Choose(20, 120) from seed in Gen.Choose(0, int.MaxValue) select (d, n, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            // Spread falling by coordinate, so that the two leading axes are well separated.
            var points = new float[t.n * t.d];
            for (int p = 0; p < t.n; p++)
                for (int i = 0; i < t.d; i++) points[p * t.d + i] = (float)((rng.NextDouble() - 0.5) * 8 / (i + 1) + 3);
            var distances = new float[t.n * t.n];
            for (int p = 0; p < t.n; p++)
                for (int q = 0; q < t.n; q++)
                {
                    double sum = 0;
                    for (int i = 0; i < t.d; i++) sum += Math.Pow(points[p * t.d + i] - points[q * t.d + i], 2);
                    distances[p * t.n + q] = (float)Math.Sqrt(sum);
                }
            ClassicalScaling scaling = ClassicalScaling.Of(distances, t.n, 2);
            PrincipalComponents pca = PrincipalComponents.Of(points, t.d, 2, iterations: 5000);
            for (int c = 0; c < 2; c++)
            {
                double[] projected = [.. Enumerable.Range(0, t.n).Select(p => Enumerable.Range(0, t.d).Sum(i => (points[p * t.d + i] - pca.Mean[i]) * pca.Directions[c][i]))];
                double[] mine = [.. Enumerable.Range(0, t.n).Select(p => scaling.Coordinates[p * 2 + c])];
                double sign = Math.Sign(projected.Zip(mine, (a, b) => a * b).Sum());
                double scale = projected.Max(Math.Abs);
                for (int p = 0; p < t.n; p++) Assert.Equal(projected[p], sign * mine[p], 1e-3 * scale);
                // The eigenvalue of B is the sum of squares along the axis: (n - 1) times the variance.
                Assert.Equal(pca.Variances[c] * (t.n - 1), scaling.Eigenvalues[c], 1e-3 * pca.Variances[0] * t.n);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    [Fact]
    public void ShiftedPowerIteration_FindsTheLargestEigenvalues_EvenBesideALargerNegativeOne()
    {
        // B = V diag(3, 1, -10) V^T with orthonormal V in R^12.
        var rng = new Random(5);
        const int n = 12;
        double[] planted = [3, 1, -10];
        var v = new double[3][];
        for (int c = 0; c < 3; c++)
        {
            v[c] = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
            for (int q = 0; q < c; q++)
            {
                double dot = v[c].Zip(v[q], (a, b) => a * b).Sum();
                for (int i = 0; i < n; i++) v[c][i] -= dot * v[q][i];
            }
            double norm = Math.Sqrt(v[c].Sum(x => x * x));
            for (int i = 0; i < n; i++) v[c][i] /= norm;
        }
        double[] Matrix()
        {
            var b = new double[n * n];
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++) b[i * n + j] += planted[c] * v[c][i] * v[c][j];
            return b;
        }
        Assert.Equal(-10, SymmetricEigen.Leading(Matrix(), n, 1, 2000, 1).Values[0], 1e-9);
        var (vectors, values) = SymmetricEigen.Leading(Matrix(), n, 2, 2000, 1, shift: 10);
        Assert.Equal(3, values[0], 1e-9);
        Assert.Equal(1, values[1], 1e-9);
        for (int c = 0; c < 2; c++) Assert.Equal(1, Math.Abs(vectors[c].Zip(v[c], (a, b) => a * b).Sum()), 1e-9);
    }

    [Fact]
    public void BadMatrices_AreNamed()
    {
        float[] asymmetric = [0, 1, 2, 0];
        Assert.Contains("symmetric", Assert.Throws<ArgumentException>(() => ClassicalScaling.Of(asymmetric, 2, 1)).Message);
        float[] negative = [0, -1, -1, 0];
        Assert.Contains("distances[0, 1]", Assert.Throws<ArgumentException>(() => ClassicalScaling.Of(negative, 2, 1)).Message);
        Assert.Throws<ArgumentException>(() => ClassicalScaling.Of(new float[5], 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassicalScaling.Of(new float[4], 2, 2));
    }
}
