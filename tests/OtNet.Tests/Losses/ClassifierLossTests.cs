// The classifier losses on a label space against independent references: finite differences
// of each loss's gradient on random logits; Frogner's Wasserstein loss and the exact tree EMD
// coincide with the expected ground cost for one-hot labels (the only plan from softmax(z) to
// a single class sends every mass there, for any eps); ClassifierScores on a hand-computed
// case; bad input named.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Geometry;
using OtNet.Analysis;
using OtNet.Data;
using OtNet.Layers;
using OtNet.Losses;
using Xunit;

namespace OtNet.Tests.Losses;

public class ClassifierLossTests
{
    private static readonly LabelTree Taxonomy = LabelTree.Parse("root -\na root 1\nb root 1\n0 a 1\n1 a 1\n2 a 1\n3 b 1\n4 b 1\n5 root 2", 6);

    public static TheoryData<string> Losses() => ["ce", "hemd", "hemd2", "chain2", "wasserstein", "hemd+ce"];

    private static ClassifierLoss Named(string name) => name switch
    {
        "ce" => new CrossEntropyLoss(),
        "hemd" => new TreeEmdClassifierLoss(Taxonomy, 1),
        "hemd2" => new TreeEmdClassifierLoss(Taxonomy, 2),
        "chain2" => new TreeEmdClassifierLoss(LabelTree.Chain(6), 2),
        "hemd+ce" => new WithCrossEntropyLoss(new TreeEmdClassifierLoss(Taxonomy, 1), 0.5),
        _ => new WassersteinClassifierLoss(Taxonomy.PathMetric(), 0.1),
    };

    [Theory]
    [MemberData(nameof(Losses))]
    public void Gradient_MatchesFiniteDifferences(string name) =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            ClassifierLoss loss = Named(name);
            const int batch = 3;
            var logits = new Tensor([batch, 6]);
            for (int i = 0; i < logits.Length; i++) logits.Data[i] = (float)(4 * rng.NextDouble() - 2);
            int[] labels = [.. Enumerable.Range(0, batch).Select(_ => rng.Next(6))];
            var gradient = new Tensor(logits.Shape);
            loss.Compute(logits, labels, gradient);
            FiniteDifference.Check(logits.Data, gradient.Data, () => loss.Compute(logits, labels), 1e-2f, 2e-5, 2e-3, name);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));

    [Fact]
    public void ForOneHotLabels_TheWassersteinLossAndTheTreeEmd_AreTheExpectedGroundCost()
    {
        var rng = new Random(2);
        var logits = new Tensor([4, 6]);
        for (int i = 0; i < logits.Length; i++) logits.Data[i] = (float)(3 * rng.NextDouble() - 1.5);
        int[] labels = [0, 3, 5, 2];
        DenseCost metric = Taxonomy.PathMetric();
        double expected = 0;
        for (int s = 0; s < 4; s++)
        {
            double[] e = [.. logits.Sample(s).ToArray().Select(v => Math.Exp(v))];
            for (int c = 0; c < 6; c++) expected += e[c] / e.Sum() * metric[c, labels[s]] / 4;
        }
        Tensor g1 = new(logits.Shape), g2 = new(logits.Shape), g3 = new(logits.Shape);
        Assert.Equal(expected, new TreeEmdClassifierLoss(Taxonomy, 1).Compute(logits, labels, g1), 9);
        Assert.Equal(expected, new WassersteinClassifierLoss(metric, 0.5).Compute(logits, labels, g2), 6);
        Assert.Equal(expected, new WassersteinClassifierLoss(metric, 0.05).Compute(logits, labels, g3), 6);
        for (int i = 0; i < g1.Length; i++)
        {
            Assert.Equal(g1.Data[i], g2.Data[i], 1e-5);
            Assert.Equal(g1.Data[i], g3.Data[i], 1e-5);
        }
    }

    [Fact]
    public void Scores_OfAHandComputedCase()
    {
        // Three classes on the chain 0-1-2; the "network" passes its 1 x 1 x 3 input through as logits.
        var model = new Sequential([3, 1, 1], new Flatten());
        float[] logits = [5, 0, 0, /* label 0, right */ 0, 0, 5, /* label 0, predicts 2 */ 0, 5, 0, /* label 2, predicts 1 */ 0, 0, 0 /* label 1, a tie: predicts 0 */];
        var images = new LabelledImages(logits, [0, 0, 2, 1], 3, 1, 1);
        ClassifierScores scores = ClassifierScores.Of(model, images, LabelTree.Chain(3).PathMetric(), batchSize: 3);
        Assert.Equal(0.25, scores.Accuracy);
        Assert.Equal((2 + 1 + 1) / 3.0, scores.MistakeSeverity, 12);
        Assert.Equal([1, 0, 1, 1, 0, 0, 0, 1, 0], scores.Confusion);
        // Top-3 cost: every class once, the mean of d(., y): (0+1+2)/3, the same, (2+1+0)/3, (1+0+1)/3.
        Assert.Equal((1 + 1 + 1 + 2 / 3.0) / 4, scores.TopKCost[2], 12);
        // Top-1 cost: d(prediction, label) averaged over all images, mistakes and not.
        Assert.Equal((0 + 2 + 1 + 1) / 4.0, scores.TopKCost[0], 12);
        double e5 = Math.Exp(5), near = 1 / (e5 + 2), far = e5 / (e5 + 2);
        double expected = ((near * 1 + near * 2) + (near * 1 + far * 2) + (near * 2 + far * 1) + (1 / 3.0 * (1 + 0 + 1))) / 4;
        Assert.Equal(expected, scores.ExpectedCost, 6);
    }

    [Fact]
    public void BadInput_IsNamed()
    {
        var logits = new Tensor([2, 6]);
        Assert.Equal("labels", Assert.Throws<ArgumentOutOfRangeException>(() => Named("hemd").Compute(logits, [0, 6])).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Named("hemd").Compute(new Tensor([2, 5]), [0, 1])).ParamName);
        Assert.Equal("rho", Assert.Throws<ArgumentOutOfRangeException>(() => new TreeEmdClassifierLoss(Taxonomy, 0.5)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new WassersteinClassifierLoss(Taxonomy.PathMetric(), 0)).ParamName);
    }
}
