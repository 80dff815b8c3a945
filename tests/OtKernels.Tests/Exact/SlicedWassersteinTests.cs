// SlicedWasserstein against references that share no code with it: on the line it is the
// exact 1D distance; between uniform clouds of equal size each direction is the mean of
// |sorted differences|^p (the monotone matching); the gradient against central differences;
// the max over directions bounds the mean; and bad shapes are named.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using Xunit;

namespace OtKernels.Tests.Exact;

public class SlicedWassersteinTests
{
    private static double[] Points(Random rng, int count) => [.. Enumerable.Range(0, count).Select(_ => rng.NextDouble() * 4 - 2)];

    [Fact]
    public void OnTheLine_ItIsTheExact1DDistance()
    {
        var rng = new Random(1);
        double[] a = [0.2, 0.5, 0.3], b = [0.6, 0.4], x = Points(rng, 3), y = Points(rng, 2);
        foreach (double p in new[] { 1.0, 1.5, 2.0 })
            foreach (double[] direction in new[] { new[] { 1.0 }, [-1.0] })
            {
                double expected = Math.Pow(Emd1D.Cost(a, b, x, y, p), 1 / p);
                Assert.Equal(expected, SlicedWasserstein.Distance(a, b, x, y, 1, direction, p), 12);
            }
    }

    [Fact]
    public void BetweenUniformCloudsOfEqualSize_EachDirectionIsTheSortedMatching()
    {
        Prop.ForAll((from n in Gen.Choose(1, 12) from d in Gen.Choose(1, 4) from count in Gen.Choose(1, 6) from seed in Gen.Choose(0, int.MaxValue) select (n, d, count, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] x = Points(rng, t.n * t.d), y = Points(rng, t.n * t.d), uniform = [.. Enumerable.Repeat(1.0 / t.n, t.n)];
            double[] directions = SlicedWasserstein.RandomProjections(t.d, t.count, t.seed);
            foreach (double p in new[] { 1.0, 2.0, 3.0 })
            {
                double[] perDirection = new double[t.count];
                for (int l = 0; l < t.count; l++)
                {
                    double[] xs = [.. Enumerable.Range(0, t.n).Select(i => Enumerable.Range(0, t.d).Sum(c => x[i * t.d + c] * directions[l * t.d + c])).Order()];
                    double[] ys = [.. Enumerable.Range(0, t.n).Select(i => Enumerable.Range(0, t.d).Sum(c => y[i * t.d + c] * directions[l * t.d + c])).Order()];
                    perDirection[l] = Enumerable.Range(0, t.n).Sum(k => Math.Pow(Math.Abs(xs[k] - ys[k]), p)) / t.n;
                }
                double expected = Math.Pow(perDirection.Average(), 1 / p), maxExpected = Math.Pow(perDirection.Max(), 1 / p);
                double value = SlicedWasserstein.Distance(uniform, uniform, x, y, t.d, directions, p);
                double max = SlicedWasserstein.MaxDistance(uniform, uniform, x, y, t.d, directions, p);
                Assert.True(Math.Abs(value - expected) <= 1e-12 * (1 + expected), $"p = {p}: {value:R} against {expected:R}");
                Assert.True(Math.Abs(max - maxExpected) <= 1e-12 * (1 + maxExpected), $"max, p = {p}: {max:R} against {maxExpected:R}");
                Assert.True(max >= value - 1e-12);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Theory]
    [InlineData(2.0, false)]
    [InlineData(1.5, false)]
    [InlineData(2.0, true)]
    public void GradientWithRespectToThePoints_MatchesCentralDifferences(double p, bool max)
    {
        var rng = new Random(7);
        const int n = 5, m = 4, d = 3;
        double[] a = [0.1, 0.3, 0.2, 0.25, 0.15], b = [0.4, 0.1, 0.3, 0.2], x = Points(rng, n * d), y = Points(rng, m * d);
        double[] directions = SlicedWasserstein.RandomProjections(d, 8, seed: 3);
        double Value(double[] points) => max
            ? SlicedWasserstein.MaxDistance(a, b, points, y, d, directions, p)
            : SlicedWasserstein.Distance(a, b, points, y, d, directions, p);
        var gradient = new double[n * d];
        if (max) SlicedWasserstein.MaxDistance(a, b, x, y, d, directions, p, gradient);
        else SlicedWasserstein.Distance(a, b, x, y, d, directions, p, gradient);
        const double h = 1e-6;
        for (int k = 0; k < n * d; k++)
        {
            double[] up = (double[])x.Clone(), down = (double[])x.Clone();
            up[k] += h;
            down[k] -= h;
            double numeric = (Value(up) - Value(down)) / (2 * h);
            Assert.True(Math.Abs(gradient[k] - numeric) <= 1e-6 * (1 + Math.Abs(numeric)), $"coordinate {k}: {gradient[k]:R} against {numeric:R}");
        }
    }

    [Fact]
    public void RandomProjections_AreUnitDirections_FixedByTheSeed()
    {
        double[] first = SlicedWasserstein.RandomProjections(5, 20, seed: 11);
        Assert.Equal(first, SlicedWasserstein.RandomProjections(5, 20, seed: 11));
        Assert.NotEqual(first, SlicedWasserstein.RandomProjections(5, 20, seed: 12));
        for (int l = 0; l < 20; l++)
            Assert.Equal(1, Math.Sqrt(Enumerable.Range(0, 5).Sum(c => first[l * 5 + c] * first[l * 5 + c])), 12);
    }

    [Fact]
    public void Batch_EqualsEachProblemAlone_OnAnyThreadCount_WithAndWithoutGradients()
    {
        Prop.ForAll(Batches(maxBatch: 6, fewestPoints: 1, mostPoints: 12), t =>
        {
            (double[] a, double[] b, double[] x, double[] y) = Problems(t);
            double[] theta = SlicedWasserstein.RandomProjections(t.d, 7, t.seed);
            double[] batched = SlicedWasserstein.DistanceBatch(t.batch, a, b, x, y, t.d, theta, 2, t.max);
            Assert.Equal(batched, SlicedWasserstein.DistanceBatch(t.batch, a, b, x, y, t.d, theta, 2, t.max, maxDegreeOfParallelism: 1));
            var gradient = new double[x.Length];
            double[] withGradient = SlicedWasserstein.DistanceBatch(t.batch, a, b, x, y, t.d, theta, 2, t.max, gradient);
            for (int k = 0; k < t.batch; k++)
            {
                var alone = new double[t.n * t.d];
                Func<double> one = () => t.max
                    ? SlicedWasserstein.MaxDistance(a.AsSpan(k * t.n, t.n), b.AsSpan(k * t.m, t.m), x.AsSpan(k * t.n * t.d, t.n * t.d), y.AsSpan(k * t.m * t.d, t.m * t.d), t.d, theta, 2, alone)
                    : SlicedWasserstein.Distance(a.AsSpan(k * t.n, t.n), b.AsSpan(k * t.m, t.m), x.AsSpan(k * t.n * t.d, t.n * t.d), y.AsSpan(k * t.m * t.d, t.m * t.d), t.d, theta, 2, alone);
                double expected = one();
                Assert.True(Math.Abs(batched[k] - expected) <= 1e-13 * Math.Max(1, expected), $"{t} problem {k}: {batched[k]:R} vs {expected:R}");
                Assert.Equal(expected, withGradient[k]);
                Assert.Equal(alone, gradient.AsSpan(k * t.n * t.d, t.n * t.d).ToArray());
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(50));
    }

    [Fact]
    public void Batch_OfFewerProblemsThanThreads_SpreadsTheDirections_WithTheSameBits()
    {
        // (n + m) L of at least 16,384 and fewer problems than threads: each problem's
        // directions run on several threads. Values, max-sliced values and gradients must be
        // those of one thread, bit for bit (each direction has its own slot).
        Prop.ForAll(Batches(maxBatch: 2, fewestPoints: 150, mostPoints: 300), t =>
        {
            (double[] a, double[] b, double[] x, double[] y) = Problems(t);
            double[] theta = SlicedWasserstein.RandomProjections(t.d, 60, t.seed);
            double[] gradient = new double[x.Length], gradientOne = new double[x.Length];
            double[] spread = SlicedWasserstein.DistanceBatch(t.batch, a, b, x, y, t.d, theta, 2, t.max, gradient, maxDegreeOfParallelism: 3);
            double[] one = SlicedWasserstein.DistanceBatch(t.batch, a, b, x, y, t.d, theta, 2, t.max, gradientOne, maxDegreeOfParallelism: 1);
            Assert.Equal(one, spread);
            Assert.Equal(gradientOne, gradient);
            Assert.Equal(one, SlicedWasserstein.DistanceBatch(t.batch, a, b, x, y, t.d, theta, 2, t.max, maxDegreeOfParallelism: 3));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(15));
    }

    /// <summary>Batches of 1 to maxBatch problems of n and m points in R^1 to R^4, seeded, for
    /// the sliced distance or its max.</summary>
    private static Arbitrary<(int batch, int n, int m, int d, int seed, bool max)> Batches(int maxBatch, int fewestPoints, int mostPoints) =>
        (from batch in Gen.Choose(1, maxBatch) from n in Gen.Choose(fewestPoints, mostPoints) from m in Gen.Choose(fewestPoints, mostPoints)
         from d in Gen.Choose(1, 4) from seed in Gen.Choose(0, int.MaxValue) from max in Gen.Elements(false, true)
         select (batch, n, m, d, seed, max)).ToArbitrary();

    /// <summary>A batch's masses (each problem's summing to 1, about one in four zero, never
    /// all) and points, from its seed.</summary>
    private static (double[] A, double[] B, double[] X, double[] Y) Problems((int batch, int n, int m, int d, int seed, bool max) t)
    {
        var rng = new Random(t.seed);
        double[] Masses(int count) => Enumerable.Range(0, t.batch).SelectMany(_ =>
        {
            double[] w = Enumerable.Range(0, count).Select(i => rng.Next(4) == 0 && count > 1 ? 0 : rng.NextDouble() + 0.1).ToArray();
            if (w.All(v => v == 0)) w[0] = 1;
            return w.Select(v => v / w.Sum());
        }).ToArray();
        return (Masses(t.n), Masses(t.m), Points(rng, t.batch * t.n * t.d), Points(rng, t.batch * t.m * t.d));
    }

    [Fact]
    public void BadShapes_AreNamed()
    {
        double[] a = [0.5, 0.5], x = [0, 0, 1, 1];
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x[..3], x, 2, [1, 0])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x, x[..2], 2, [1, 0])).ParamName);
        Assert.Equal("projections", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x, x, 2, [1, 0, 1])).ParamName);
        Assert.Equal("projections", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x, x, 2, [1, double.NaN])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => SlicedWasserstein.Distance(a, a, x, x, 2, [1, 0], p: 0.5));
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => SlicedWasserstein.DistanceBatch(2, new double[] { 0.5, 0.5 }, new double[] { 1, 1, 1 }, x, x, 1, new double[] { 1 })).ParamName);
        var bad = Assert.Throws<ArgumentException>(() => SlicedWasserstein.DistanceBatch(2, new double[] { 1, 1 }, new double[] { 1, 2 }, new double[] { 0, 1 }, new double[] { 0, 1 }, 1, new double[] { 1 }));
        Assert.StartsWith("Problem 1 of the batch: a sums to 1 and b to 2", bad.Message);
    }
}
