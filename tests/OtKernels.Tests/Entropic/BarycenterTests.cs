// Properties of the Bregman barycenter: what one input, identical inputs and one-sided
// weights give; mass; and the W2 barycenter's mean (sum_k lambda_k mean_k, exact for W2
// barycenters and kept by the entropic one away from the grid's border) on FsCheck cases.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class BarycenterTests
{
    private static readonly BarycenterOptions Options = new() { Epsilon = 0.5, Tolerance = 1e-9, MaxIterations = 5000 };

    /// <summary>A bump on a line of length bins, centred at c with width s.</summary>
    internal static double[] Bump(int bins, double c, double s) =>
        Enumerable.Range(0, bins).Select(i => Math.Exp(-(i - c) * (i - c) / (2 * s * s))).ToArray();

    private static double Mean(double[] h) => h.Select((v, i) => v * i).Sum() / h.Sum();

    [Fact]
    public void OneInput_IsItselfBlurredOnce_AndTheBlurShrinksWithEpsilon()
    {
        var grid = new ImageGridCost(1, 40);
        double[] a = Bump(40, 17, 3);
        double Distance(double eps)
        {
            double[] b = Barycenter.Bregman(grid, a, [], Options with { Epsilon = eps }).Barycenter;
            double total = a.Sum();
            return a.Select((v, i) => Math.Abs(v / total - b[i])).Sum();
        }
        double coarse = Distance(2), fine = Distance(0.05);
        Assert.True(fine < coarse / 4, $"L1 from the input: {fine} at eps 0.05, {coarse} at eps 2");
        Assert.True(fine < 0.02, $"{fine}");
    }

    [Fact]
    public void IdenticalInputs_AndWeightsOneZero_GiveTheSingleInputsBarycenter()
    {
        var grid = new ImageGridCost(6, 7);
        var rng = new Random(5);
        double[] a = Enumerable.Range(0, 42).Select(_ => rng.NextDouble()).ToArray();
        double[] other = Enumerable.Range(0, 42).Select(_ => rng.NextDouble()).ToArray();
        double[] alone = Barycenter.Bregman(grid, a, [], Options).Barycenter;
        double[] twice = Barycenter.Bregman(grid, [.. a, .. a], [0.3, 0.7], Options).Barycenter;
        double[] oneSided = Barycenter.Bregman(grid, [.. a, .. other], [1, 0], Options).Barycenter;
        for (int j = 0; j < 42; j++)
        {
            Assert.Equal(alone[j], twice[j], 1e-9);
            Assert.Equal(alone[j], oneSided[j], 1e-9);
        }
    }

    [Fact]
    public void Barycenter_ConservesMass_AndAveragesTheMeans()
    {
        var cases = from k in Gen.Choose(2, 4)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (k, seed);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            const int bins = 60;
            var inputs = new List<double>();
            var lambda = new double[t.k];
            double expected = 0, total = 0;
            for (int k = 0; k < t.k; k++)
            {
                double c = 20 + 20 * rng.NextDouble();
                inputs.AddRange(Bump(bins, c, 1.5 + rng.NextDouble()));
                lambda[k] = 0.1 + rng.NextDouble();
                expected += lambda[k] * c;
                total += lambda[k];
            }
            BarycenterResult r = Barycenter.Bregman(new ImageGridCost(1, bins), inputs.ToArray(), lambda, Options with { Epsilon = 2, Tolerance = 1e-8, MaxIterations = 20_000 });
            Assert.Equal(SinkhornStatus.Converged, r.Status);
            Assert.Equal(1, r.Barycenter.Sum(), 1e-6);
            Assert.Equal(expected / total, Mean(r.Barycenter), 0.02);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));
    }

    [Fact]
    public void Convolutional_AgreesWithBregman_OnTheSameGridAndEpsilon()
    {
        var cases = from k in Gen.Choose(1, 4)
                    from height in Gen.Choose(3, 12)
                    from width in Gen.Choose(3, 12)
                    from eps in Gen.Choose(15, 40)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (k, height, width, eps: eps / 10.0, seed);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.height, t.width);
            int n = t.height * t.width;
            // Images with empty pixels and empty borders, as digits have: each lives in a box.
            var images = new double[t.k * n];
            for (int k = 0; k < t.k; k++)
            {
                int top = rng.Next(t.height), left = rng.Next(t.width);
                int bottom = rng.Next(top, t.height), right = rng.Next(left, t.width);
                for (int r = top; r <= bottom; r++)
                    for (int c = left; c <= right; c++) images[k * n + r * t.width + c] = rng.NextDouble() < 0.3 ? 0 : rng.NextDouble();
                images[k * n + rng.Next(top, bottom + 1) * t.width + rng.Next(left, right + 1)] += 1;
            }
            double[] lambda = Enumerable.Range(0, t.k).Select(_ => 0.2 + rng.NextDouble()).ToArray();
            var options = Options with { Epsilon = t.eps, Tolerance = 1e-10, MaxIterations = 50_000 };
            BarycenterResult bregman = Barycenter.Bregman(grid, images, lambda, options);
            BarycenterResult convolutional = Barycenter.Convolutional(grid, images, lambda, options);
            Assert.True(bregman.Status == SinkhornStatus.Converged && convolutional.Status == SinkhornStatus.Converged,
                $"{t}: Bregman {bregman.Status} ({bregman.Error:E2}), convolutional {convolutional.Status} ({convolutional.Error:E2})");
            // Up to POT's floor under the convolutional solver's logarithm, log(KU + 1e-30): where
            // an input's blur falls below 1e-30 (far from its support at small eps) the floor
            // raises that pixel's geometric mean; such pixels hold little mass (seen: 1.6e-7
            // against 4.6e-9), so the comparison is relative to the barycenter's largest value.
            double largest = bregman.Barycenter.Max();
            for (int p = 0; p < n; p++) Assert.Equal(bregman.Barycenter[p], convolutional.Barycenter[p], 1e-5 * largest);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void BadInput_NamesTheHistogramAndIndex()
    {
        var grid = new ImageGridCost(1, 3);
        var e = Assert.Throws<ArgumentException>(() => Barycenter.Bregman(grid, [1, 1, 1, 1, -1, 1], [], Options));
        Assert.Contains("histograms[1][1]", e.Message);
        Assert.Throws<ArgumentException>(() => Barycenter.Bregman(grid, [1, 1], [], Options));
        Assert.Throws<ArgumentException>(() => Barycenter.Bregman(grid, [1, 1, 1], [1, 2], Options));
        Assert.Throws<ArgumentOutOfRangeException>(() => Barycenter.Bregman(grid, [1, 1, 1], [], Options with { Epsilon = 0 }));
    }
}
