// The fused softmax + KL + sparsity loss of the DWE decoder against its definition on the
// softmax (in double) and its gradient against finite differences, on FsCheck cases with
// zero target entries and logits far apart (where a float softmax underflows).
using FsCheck;
using FsCheck.Fluent;
using OtNet.Losses;
using Xunit;

namespace OtNet.Tests.Losses;

public class ReconstructionLossTests
{
    [Fact]
    public void FromLogits_EqualsItsDefinition_AndItsGradientTheFiniteDifferences()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 3) from n in Gen.Choose(1, 12) from spread in Gen.Choose(1, 40) from seed in Gen.Choose(0, int.MaxValue)
                     select (batch, n, spread, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var logits = new Tensor(t.batch, t.n);
            var target = new Tensor(t.batch, t.n);
            for (int i = 0; i < logits.Length; i++) logits.Data[i] = (float)((rng.NextDouble() - 0.5) * t.spread);
            for (int s = 0; s < t.batch; s++)
            {
                Span<float> x = target.Sample(s);
                for (int i = 0; i < t.n; i++) x[i] = rng.NextDouble() < 0.3 ? 0 : (float)rng.NextDouble();
                x[rng.Next(t.n)] += 0.5f;
                float mass = 0;
                foreach (float v in x) mass += v;
                for (int i = 0; i < t.n; i++) x[i] /= mass;
            }
            double wKl = 0.5 + rng.NextDouble(), wS = rng.NextDouble();
            var gradient = new Tensor(t.batch, t.n);
            (double kl, double sparsity) = ReconstructionLoss.FromLogits(logits, target, wKl, wS, gradient);

            double expectedKl = 0, expectedS = 0;
            for (int s = 0; s < t.batch; s++)
            {
                double[] l = logits.Sample(s).ToArray().Select(v => (double)v).ToArray();
                double max = l.Max(), total = l.Sum(v => Math.Exp(v - max));
                for (int i = 0; i < t.n; i++)
                {
                    double p = Math.Exp(l[i] - max) / total, x = target.Sample(s)[i];
                    if (x > 0) expectedKl += x * Math.Log(x / p);
                    expectedS += Math.Sqrt(p);
                }
            }
            Assert.Equal(expectedKl / t.batch, kl, 1e-6 * Math.Max(1, expectedKl));
            Assert.Equal(expectedS / t.batch, sparsity, 1e-6 * Math.Max(1, expectedS));
            FiniteDifference.Check(logits.Data, gradient.Data, () =>
            {
                var (k, sp) = ReconstructionLoss.FromLogits(logits, target, wKl, wS);
                return wKl * k + wS * sp;
            }, 1e-2f, 2e-4, 2e-2, $"{t}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void FromLogits_RefusesANegativeTarget_NamingTheEntry()
    {
        var logits = new Tensor(1, 3);
        var target = new Tensor(1, 3);
        target.Data[2] = -0.1f;
        var e = Assert.Throws<ArgumentException>(() => ReconstructionLoss.FromLogits(logits, target, 1, 1));
        Assert.Contains("target[0, 2]", e.Message);
    }
}
