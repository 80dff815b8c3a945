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
    public void BadShapes_AreNamed()
    {
        double[] a = [0.5, 0.5], x = [0, 0, 1, 1];
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x[..3], x, 2, [1, 0])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x, x[..2], 2, [1, 0])).ParamName);
        Assert.Equal("projections", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x, x, 2, [1, 0, 1])).ParamName);
        Assert.Equal("projections", Assert.Throws<ArgumentException>(() => SlicedWasserstein.Distance(a, a, x, x, 2, [1, double.NaN])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => SlicedWasserstein.Distance(a, a, x, x, 2, [1, 0], p: 0.5));
    }
}
