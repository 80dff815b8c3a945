using FsCheck;
using FsCheck.Fluent;
using OtKernels.Autodiff.Losses;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests;

public class WassersteinLossTests
{
    private static readonly SinkhornOptions Options = new() { Epsilon = 0.2, Tolerance = 1e-14, MaxIterations = 100_000 };

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    [Fact]
    public void LogitGradient_MatchesFiniteDifferences_OnALabelLine()
    {
        Prop.ForAll((from k in Gen.Choose(2, 10) from seed in Gen.Choose(0, int.MaxValue) select (k, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            // Labels on a line, |i - j| / K as the ground metric (ordinal classes).
            var m = new double[t.k * t.k];
            for (int i = 0; i < t.k; i++) for (int j = 0; j < t.k; j++) m[i * t.k + j] = Math.Abs(i - j) / (double)t.k;
            var cost = new DenseCost(m, t.k, t.k);
            double[] z = Enumerable.Range(0, t.k).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
            double[] target = new double[t.k];
            target[rng.Next(t.k)] = 1; // one-hot: zero weights on the other labels
            double Loss(double[] logits)
            {
                var loss = new double[1];
                WassersteinLoss.Compute(cost, Softmax(logits), target, Options, loss);
                return loss[0];
            }
            var losses = new double[1];
            var dz = new double[t.k];
            WassersteinLoss.Compute(cost, Softmax(z), target, Options, losses, gradientLogits: dz);
            double[] v = z.Select(_ => rng.NextDouble() - 0.5).ToArray();
            const double h = 1e-5;
            double fd = (Loss(z.Select((x, i) => x + h * v[i]).ToArray()) - Loss(z.Select((x, i) => x - h * v[i]).ToArray())) / (2 * h);
            double analytic = dz.Zip(v, (g, d) => g * d).Sum();
            Assert.True(Math.Abs(analytic - fd) <= 1e-5 * Math.Max(1e-3, Math.Abs(fd)), $"{t}: analytic {analytic:R}, FD {fd:R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void PerfectPrediction_CostsOnlyTheEntropicFloor_AndFartherLabelsCostMore()
    {
        int k = 5;
        var m = new double[k * k];
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) m[i * k + j] = Math.Abs(i - j);
        var cost = new DenseCost(m, k, k);
        double[] target = [0, 0, 1, 0, 0];
        double[] near = Softmax([0, 1, 3, 1, 0]), far = Softmax([3, 1, 0, 1, 0]);
        var losses = new double[2];
        WassersteinLoss.Compute(cost, near.Concat(far).ToArray(), target.Concat(target).ToArray(), Options, losses);
        Assert.True(losses[0] < losses[1], $"near {losses[0]} should cost less than far {losses[1]}");
        var exact = new double[1];
        WassersteinLoss.Compute(cost, target, target, Options, exact);
        Assert.Equal(0.0, exact[0], 1e-12); // a point mass against itself: no transport, no entropy
    }
}
