using FsCheck;
using FsCheck.Fluent;
using OtNet.Losses;
using Xunit;

namespace OtNet.Tests.Losses;

public class LossTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(30);

    private static void CheckGradient(Tensor x, Tensor analytic, Func<double> loss, string label) =>
        FiniteDifference.Check(x.Data, analytic.Data, loss, 1e-3f, 1e-3, 1e-2, label);

    private static Tensor Positive(Random rng, int batch, int n)
    {
        var t = new Tensor(batch, n);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)(0.2 + rng.NextDouble());
        return t;
    }

    [Fact]
    public void HistogramLosses_GradientsMatchFiniteDifferences()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 4) from n in Gen.Choose(1, 10) from seed in Gen.Choose(0, int.MaxValue) select (batch, n, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            Tensor p = Positive(rng, t.batch, t.n), target = Positive(rng, t.batch, t.n), g = new Tensor(t.batch, t.n);
            target.Data[rng.Next(target.Length)] = 0; // a zero target entry contributes nothing to KL
            HistogramLosses.MeanSquaredError(p, target, g);
            CheckGradient(p, g, () => HistogramLosses.MeanSquaredError(p, target), "mse " + t);
            HistogramLosses.KlDivergence(target, p, g);
            CheckGradient(p, g, () => HistogramLosses.KlDivergence(target, p), "kl " + t);
            HistogramLosses.SparsityPenalty(p, g);
            CheckGradient(p, g, () => HistogramLosses.SparsityPenalty(p), "sparsity " + t);
        }).Check(Quick);
    }

    [Fact]
    public void HistogramLosses_KnownValues_AndBadInputsNameTheEntry()
    {
        var t = new Tensor(1, 2);
        t.Data[0] = 0.5f; t.Data[1] = 0.5f;
        var p = new Tensor(1, 2);
        p.Data[0] = 0.25f; p.Data[1] = 0.75f;
        Assert.Equal(0.5 * Math.Log(2) + 0.5 * Math.Log(0.5 / 0.75), HistogramLosses.KlDivergence(t, p), 6);
        Assert.Equal(0.125, HistogramLosses.MeanSquaredError(p, t), 6);
        p.Data[1] = 0;
        var e = Assert.Throws<ArgumentException>(() => HistogramLosses.KlDivergence(t, p));
        Assert.Contains("prediction[1]", e.Message);
    }

    [Fact]
    public void CrossEntropy_GradientMatchesFiniteDifferences_AndEqualsMinusLogSoftmax()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 4) from classes in Gen.Choose(2, 10) from seed in Gen.Choose(0, int.MaxValue) select (batch, classes, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var z = new Tensor(t.batch, t.classes);
            for (int i = 0; i < z.Length; i++) z.Data[i] = (float)(4 * rng.NextDouble() - 2);
            int[] labels = Enumerable.Range(0, t.batch).Select(_ => rng.Next(t.classes)).ToArray();
            var g = new Tensor(z.Shape);
            double value = CrossEntropy.FromLogits(z, labels, g);
            double expected = 0;
            for (int s = 0; s < t.batch; s++)
            {
                double total = Enumerable.Range(0, t.classes).Sum(c => Math.Exp(z.Data[s * t.classes + c]));
                expected -= Math.Log(Math.Exp(z.Data[s * t.classes + labels[s]]) / total) / t.batch;
            }
            Assert.True(Math.Abs(value - expected) <= 1e-9 * (1 + expected), $"{t}: {value} vs {expected}");
            CheckGradient(z, g, () => CrossEntropy.FromLogits(z, labels), "ce " + t);
        }).Check(Quick);
    }

    [Fact]
    public void ContrastiveAndTriplet_GradientsMatchFiniteDifferences_ForBothDistances()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 4) from d in Gen.Choose(1, 6) from seed in Gen.Choose(0, int.MaxValue) select (batch, d, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            foreach (IPairDistance distance in new IPairDistance[] { new SquaredEuclideanDistance(), new EuclideanDistance() })
            {
                Tensor a = Positive(rng, t.batch, t.d), b = Positive(rng, t.batch, t.d), c = Positive(rng, t.batch, t.d);
                // Points at least 0.05 apart: the Euclidean distance has a kink where two coincide.
                while (Enumerable.Range(0, t.batch).Any(s => distance.Distance(a.Sample(s), b.Sample(s), [], []) < 0.05 || distance.Distance(a.Sample(s), c.Sample(s), [], []) < 0.05))
                    (b, c) = (Positive(rng, t.batch, t.d), Positive(rng, t.batch, t.d));
                bool[] similar = Enumerable.Range(0, t.batch).Select(_ => rng.Next(2) == 0).ToArray();
                // A margin at least 0.05 from every hinge (d = m for contrastive pairs,
                // d(a,n) - d(a,p) = m for triplets), so that no finite-difference step crosses one.
                double[] hinges = Enumerable.Range(0, t.batch).SelectMany(s => new[]
                {
                    distance.Distance(a.Sample(s), b.Sample(s), [], []),
                    distance.Distance(a.Sample(s), c.Sample(s), [], []) - distance.Distance(a.Sample(s), b.Sample(s), [], []),
                }).ToArray();
                double margin = 0;
                for (int attempt = 0; attempt < 1000 && (margin == 0 || hinges.Any(x => Math.Abs(x - margin) < 0.05)); attempt++) margin = 0.1 + 2 * rng.NextDouble();
                foreach (ContrastiveForm form in Enum.GetValues<ContrastiveForm>())
                {
                    Tensor ga = new(a.Shape), gb = new(a.Shape);
                    MetricLosses.Contrastive(a, b, similar, margin, form, distance, ga, gb);
                    string label = $"{t} {distance.GetType().Name} {form}";
                    CheckGradient(a, ga, () => MetricLosses.Contrastive(a, b, similar, margin, form, distance), label + " first");
                    CheckGradient(b, gb, () => MetricLosses.Contrastive(a, b, similar, margin, form, distance), label + " second");
                }
                Tensor da = new(a.Shape), dp = new(a.Shape), dn = new(a.Shape);
                MetricLosses.Triplet(a, b, c, margin, distance, da, dp, dn);
                CheckGradient(a, da, () => MetricLosses.Triplet(a, b, c, margin, distance), $"{t} triplet anchor");
                CheckGradient(b, dp, () => MetricLosses.Triplet(a, b, c, margin, distance), $"{t} triplet positive");
                CheckGradient(c, dn, () => MetricLosses.Triplet(a, b, c, margin, distance), $"{t} triplet negative");
            }
        }).Check(Quick);
    }

    [Fact]
    public void AnOtDistance_PlugsIntoTheContrastiveLoss_WithItsEnvelopeGradient()
    {
        // Embeddings as clouds of 4 points in R^2, compared by the Sinkhorn divergence of
        // OtKernels (converged tightly, so that the envelope gradient is the true one).
        var distance = new SinkhornDivergenceDistance(2, new OtKernels.Entropic.SinkhornOptions { Epsilon = 0.1, Tolerance = 1e-11, MaxIterations = 100_000 });
        var rng = new Random(8);
        Tensor a = Positive(rng, 3, 8), b = Positive(rng, 3, 8);
        bool[] similar = [true, false, true];
        const double margin = 5; // above every divergence here, so dissimilar pairs stay on the hinge's sloped side
        Tensor ga = new(a.Shape), gb = new(a.Shape);
        MetricLosses.Contrastive(a, b, similar, margin, ContrastiveForm.Squared, distance, ga, gb);
        CheckGradient(a, ga, () => MetricLosses.Contrastive(a, b, similar, margin, ContrastiveForm.Squared, distance), "sinkhorn first");
        CheckGradient(b, gb, () => MetricLosses.Contrastive(a, b, similar, margin, ContrastiveForm.Squared, distance), "sinkhorn second");
    }
}
