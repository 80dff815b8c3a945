// The exact displacement interpolation: endpoints, mass, and the geodesic property
// W2^2(mu_t, a) = t^2 W2^2(a, b), W2^2(mu_t, b) = (1 - t)^2 W2^2(a, b), up to the bilinear
// splatting, which adds at most 1/2 px^2 (a two-point split per axis has variance <= 1/4):
//     W2^2(mu_t, a) <= t^2 W + 1/2,   and by the triangle inequality through mu_t,
//     W2(mu_t, a) >= sqrt(W) - sqrt((1 - t)^2 W + 1/2).
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Exact;

public class DisplacementInterpolationTests
{
    [Fact]
    public void Interpolants_AreGeodesic_UpToSplatting()
    {
        var cases = from h in Gen.Choose(2, 8)
                    from w in Gen.Choose(2, 8)
                    from t in Gen.Choose(0, 20)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (h, w, t: t / 20.0, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            int n = c.h * c.w;
            double[] a = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.4 ? 0 : rng.NextDouble()).ToArray();
            double[] b = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.4 ? 0 : rng.NextDouble()).ToArray();
            a[rng.Next(n)] += 1;
            b[rng.Next(n)] += 1;
            double[][] frames = DisplacementInterpolation.Interpolate(a, b, c.h, c.w, [0, c.t, 1]);
            double sa = a.Sum(), sb = b.Sum();
            for (int p = 0; p < n; p++)
            {
                Assert.Equal(a[p] / sa, frames[0][p], 1e-12);
                Assert.Equal(b[p] / sb, frames[2][p], 1e-12);
            }
            Assert.Equal(1, frames[1].Sum(), 1e-12);
            Assert.All(frames[1], v => Assert.True(v >= 0));

            var grid = new ImageGridCost(c.h, c.w);
            double W = NetworkSimplex.Solve(frames[0], frames[2], grid).Cost;
            double toA = NetworkSimplex.Solve(frames[1], frames[0], grid).Cost;
            double toB = NetworkSimplex.Solve(frames[1], frames[2], grid).Cost;
            foreach ((double distance, double share, double rest) in new[] { (toA, c.t, 1 - c.t), (toB, 1 - c.t, c.t) })
            {
                Assert.True(distance <= share * share * W + 0.5 + 1e-9, $"{distance} > {share}^2 {W} + 1/2");
                double lower = Math.Max(0, Math.Sqrt(W) - Math.Sqrt(rest * rest * W + 0.5));
                Assert.True(Math.Sqrt(distance) >= lower - 1e-9, $"sqrt {distance} < {lower}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void Interpolant_OfTwoPixels_IsTheMidpointSplit()
    {
        // One unit of mass from pixel (0, 0) to (0, 3) of a 1 x 4 image: at t = 1/2 it sits at
        // column 1.5, split equally between columns 1 and 2.
        double[][] frames = DisplacementInterpolation.Interpolate([1, 0, 0, 0], [0, 0, 0, 1], 1, 4, [0.5]);
        Assert.Equal(new[] { 0, 0.5, 0.5, 0 }, frames[0]);
    }

    [Fact]
    public void BadTime_IsRefusedByIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => DisplacementInterpolation.Interpolate([1, 0], [0, 1], 1, 2, [0.5, 1.5]));
        Assert.Contains("times[1]", e.Message);
    }
}
