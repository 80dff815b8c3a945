// The closed-form tree EMD and HEMD^rho against independent references: the lecture's
// worked example (pinned on the tree that reproduces it), the network simplex on the tree's
// path metric, Emd1D on a chain, central finite differences on FsCheck trees and histograms,
// the softmax chain rule, linearity in the mass moved along one edge, and bad input.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Autodiff.Losses;
using OtKernels.Exact;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests;

public class TreeEmdLossTests
{
    /// <summary>A random tree: node v &gt; 0 hangs from a node before it, edge lengths in
    /// [0.1, 2.1); every leaf holds a class, and so does each inner node with probability 1/3;
    /// classes are numbered in a random order.</summary>
    internal static LabelTree RandomTree(Random rng, int nodes)
    {
        int[] parents = [.. Enumerable.Range(0, nodes).Select(v => v == 0 ? -1 : rng.Next(v))];
        double[] weights = [.. Enumerable.Range(0, nodes).Select(_ => 0.1 + 2 * rng.NextDouble())];
        bool[] hasChild = new bool[nodes];
        foreach (int p in parents) if (p >= 0) hasChild[p] = true;
        int[] holders = [.. Enumerable.Range(0, nodes).Where(v => !hasChild[v] || rng.Next(3) == 0).OrderBy(_ => rng.Next())];
        return new LabelTree(parents, weights, holders);
    }

    private static double[] Histogram(Random rng, int k) => [.. Enumerable.Range(0, k).Select(_ => 0.05 + rng.NextDouble())];

    private static readonly Gen<(int Nodes, int Seed)> Trees = from nodes in Gen.Choose(2, 14) from seed in Gen.Choose(0, int.MaxValue) select (nodes, seed);

    [Fact]
    public void TheLecturesWorkedExample_HoldsOnATreeWithOneInnerNode_NotOnTheChain()
    {
        // f(elephant) = (0.2, 0.4, 0.2, 0.2) against y = (0, 0.5, 0.5, 0). On the chain the
        // projected gradient is (1, 0, -1, 0); the printed (1.5, -0.5, -1.5, 0.5) and
        // (0.5, -0.1, -0.7, 0.3) follow on a tree whose classes hang from the root by unit
        // edges, two of them (the first two, or the last two) through one inner node, also of
        // unit length: a search over every tree of four classes with weights in
        // {1/4, 1/2, 1, 3/2, 2, 3} finds these, and a balanced binary tree with inner edges 1/2.
        double[] p = [0.2, 0.4, 0.2, 0.2], y = [0, 0.5, 0.5, 0];
        var gradient = new double[4];
        Assert.Equal(0.5, TreeEmdLoss.Compute(LabelTree.Chain(4), 1, p, y, gradient), 12);
        AssertVector([1, 0, -1, 0], gradient);
        LabelTree firstTwo = LabelTree.Parse("root -\nanimal root 1\n0 animal 1\n1 animal 1\n2 root 1\n3 root 1", 4);
        LabelTree lastTwo = LabelTree.Parse("root -\n0 root 1\n1 root 1\nanimal root 1\n2 animal 1\n3 animal 1", 4);
        LabelTree balanced = LabelTree.Parse("root -\nleft root 0.5\nright root 0.5\n0 left 1\n1 left 1\n2 right 1\n3 right 1", 4);
        foreach (LabelTree tree in new[] { firstTwo, lastTwo, balanced })
        {
            TreeEmdLoss.Compute(tree, 1, p, y, gradient);
            AssertVector([1.5, -0.5, -1.5, 0.5], gradient);
            TreeEmdLoss.Compute(tree, 2, p, y, gradient);
            AssertVector([0.5, -0.1, -0.7, 0.3], gradient);
        }
        // The value on the first tree: |0.2| + |-0.1| + |-0.3| + |0.2| at the leaves, |0.1| above the inner node.
        Assert.Equal(0.9, TreeEmdLoss.Compute(firstTwo, 1, p, y), 12);
    }

    [Fact]
    public void TreeEmd_IsTheNetworkSimplexOnThePathMetric() =>
        Prop.ForAll(Trees.ToArbitrary(), t =>
        {
            var rng = new Random(t.Seed);
            LabelTree tree = RandomTree(rng, t.Nodes);
            double[] p = Histogram(rng, tree.Classes), q = Histogram(rng, tree.Classes);
            double closed = TreeEmdLoss.Compute(tree, 1, p, q);
            double[] a = [.. p.Select(v => v / p.Sum())], b = [.. q.Select(v => v / q.Sum())];
            EmdResult exact = NetworkSimplex.Solve(a, b, tree.PathMetric());
            Assert.True(Math.Abs(closed - exact.Cost) <= 1e-9 * (1 + exact.Cost), $"{tree.Format()}closed form {closed}, network simplex {exact.Cost}");
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void ChainEmd_IsTheOneDimensionalEmd_AndLinearInTheMassMovedAlongOneEdge() =>
        Prop.ForAll((from k in Gen.Choose(2, 12) from seed in Gen.Choose(0, int.MaxValue) select (k, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] p = Histogram(rng, t.k), q = Histogram(rng, t.k);
            double step = 0.5 + rng.NextDouble();
            double[] a = [.. p.Select(v => v / p.Sum())], b = [.. q.Select(v => v / q.Sum())];
            Assert.Equal(Emd1D.W1Histogram(a, b) * step, TreeEmdLoss.Compute(LabelTree.Chain(t.k, step), 1, p, q), 9);
            // A share m of class i's mass moved to class i + 1 costs that mass times the edge.
            int i = rng.Next(t.k - 1);
            foreach (double m in new[] { 0.25, 0.5, 1.0 })
            {
                double[] moved = [.. a];
                moved[i] -= m * a[i];
                moved[i + 1] += m * a[i];
                Assert.Equal(m * a[i] * step, TreeEmdLoss.Compute(LabelTree.Chain(t.k, step), 1, a, moved), 9);
            }
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Gradients_MatchFiniteDifferences_ForEveryRho() =>
        Prop.ForAll((from t in Trees from rho in Gen.Elements(1.0, 1.5, 2.0, 3.0) select (t.Nodes, t.Seed, rho)).ToArbitrary(), t =>
        {
            var rng = new Random(t.Seed);
            LabelTree tree = RandomTree(rng, t.Nodes);
            int k = tree.Classes;
            double[] p = Histogram(rng, k), q = Histogram(rng, k);
            var normalized = new double[k];
            var simplex = new double[k];
            TreeEmdLoss.Compute(tree, t.rho, p, q, normalized, TreeEmdGradient.Normalized);
            TreeEmdLoss.Compute(tree, t.rho, p, q, simplex, TreeEmdGradient.Simplex);
            const double h = 1e-6;
            for (int c = 0; c < k; c++)
            {
                double[] up = [.. p], down = [.. p];
                up[c] += h;
                down[c] -= h;
                double numeric = (TreeEmdLoss.Compute(tree, t.rho, up, q) - TreeEmdLoss.Compute(tree, t.rho, down, q)) / (2 * h);
                Assert.True(Math.Abs(numeric - normalized[c]) <= 1e-5 * (1 + Math.Abs(numeric)), $"rho {t.rho} class {c}: {normalized[c]} vs {numeric}\n{tree.Format()}");
            }
            // Both are the raw gradient g shifted: they differ by a constant before the 1/|p| scale.
            Assert.Equal(0, simplex.Sum(), 9);
            double[] rescaled = [.. normalized.Select(v => v * p.Sum())];
            double offset = simplex[0] - rescaled[0];
            for (int c = 1; c < k; c++) Assert.Equal(simplex[c] - rescaled[c], offset, 9);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void FromLogits_IsTheSoftmaxChainRule_AndMatchesFiniteDifferences() =>
        Prop.ForAll((from t in Trees from rho in Gen.Elements(1.0, 2.0) select (t.Nodes, t.Seed, rho)).ToArbitrary(), t =>
        {
            var rng = new Random(t.Seed);
            LabelTree tree = RandomTree(rng, t.Nodes);
            int k = tree.Classes;
            float[] logits = [.. Enumerable.Range(0, 2 * k).Select(_ => (float)(3 * rng.NextDouble() - 1.5))];
            float[] targets = new float[2 * k];
            targets[rng.Next(k)] = 1; // a one-hot target, as a classifier trains
            targets[k + rng.Next(k)] = 2; // and one that is not normalised
            var losses = new double[2];
            var gradient = new float[2 * k];
            TreeEmdLoss.FromLogits(tree, t.rho, logits, targets, losses, gradient);
            for (int s = 0; s < 2; s++)
            {
                double[] z = [.. logits.Skip(s * k).Take(k).Select(v => (double)v)];
                double[] softmax = [.. z.Select(v => Math.Exp(v - z.Max()))];
                softmax = [.. softmax.Select(v => v / softmax.Sum())];
                double[] target = [.. targets.Skip(s * k).Take(k).Select(v => (double)v)];
                var g = new double[k];
                Assert.Equal(TreeEmdLoss.Compute(tree, t.rho, softmax, target, g, TreeEmdGradient.Normalized), losses[s], 9);
                for (int c = 0; c < k; c++) Assert.Equal(softmax[c] * g[c], gradient[s * k + c], 1e-6); // float rounding
                const float h = 1e-2f;
                for (int c = 0; c < k; c++)
                {
                    float[] up = [.. logits], down = [.. logits];
                    up[s * k + c] += h;
                    down[s * k + c] -= h;
                    double[] lu = new double[2], ld = new double[2];
                    float[] gu = new float[2 * k], gd = new float[2 * k];
                    TreeEmdLoss.FromLogits(tree, t.rho, up, targets, lu, gu);
                    TreeEmdLoss.FromLogits(tree, t.rho, down, targets, ld, gd);
                    double numeric = (lu[s] - ld[s]) / (2 * h);
                    // At rho = 1 a kink of |phi| between the two points (the gradient jumps
                    // there) leaves nothing to compare; elsewhere the loss is smooth.
                    if (t.rho == 1 && Math.Abs(gu[s * k + c] - gd[s * k + c]) > 0.05) continue;
                    Assert.True(Math.Abs(numeric - gradient[s * k + c]) <= 2e-3 * (1 + Math.Abs(numeric)), $"sample {s} class {c}: {gradient[s * k + c]} vs {numeric}");
                }
            }
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void BadInput_IsNamed()
    {
        LabelTree chain = LabelTree.Chain(3);
        double[] p = [0.2, 0.3, 0.5];
        Assert.Equal("rho", Assert.Throws<ArgumentOutOfRangeException>(() => TreeEmdLoss.Compute(chain, 0.5, p, p)).ParamName);
        Assert.Equal("q", Assert.Throws<ArgumentException>(() => TreeEmdLoss.Compute(chain, 1, p, [0.5, 0.5])).ParamName);
        Assert.Contains("p[1]", Assert.Throws<ArgumentException>(() => TreeEmdLoss.Compute(chain, 1, [0.2, -0.3, 0.5], p)).Message);
        Assert.Equal("q", Assert.Throws<ArgumentException>(() => TreeEmdLoss.Compute(chain, 1, p, [0, 0, 0])).ParamName);
        var e = Assert.Throws<ArgumentException>(() => TreeEmdLoss.FromLogits(chain, 1, new float[6], new float[6], new double[2]));
        Assert.Contains("sample 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => TreeEmdLoss.FromLogits(chain, 1, [0, float.NaN, 0], [1, 0, 0], new double[1]));
        Assert.Contains("class 1", e.Message);
    }

    private static void AssertVector(double[] expected, double[] actual)
    {
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"[{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
    }
}
