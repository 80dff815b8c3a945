// LabelTree: the text format (the committed Fashion-MNIST taxonomy, a round trip through
// Format), its path metric (a metric; the chain's |i - j|), and every malformed tree refused
// with the line or node named.
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Geometry;

public class LabelTreeTests
{
    [Fact]
    public void TheFashionTaxonomy_Loads_WithTwoWithinAGroupAndFourAcross()
    {
        LabelTree tree = LabelTree.Load(Path.Combine(RepositoryFiles.Root(), "data", "fashion-mnist.tree"), 10);
        Assert.Equal(10, tree.Classes);
        Assert.Equal(13, tree.Nodes);
        Assert.Equal(2, tree.Distance(0, 6)); // T-shirt and shirt: both tops
        Assert.Equal(2, tree.Distance(5, 9)); // sandal and ankle boot
        Assert.Equal(4, tree.Distance(0, 9)); // a top and a shoe
        Assert.Equal(4, tree.Distance(1, 8)); // trouser and bag
        Assert.Equal(0, tree.Distance(3, 3));
        LabelTree again = LabelTree.Parse(tree.Format(), 10);
        Assert.Equal(tree.PathMetric().Values.ToArray(), again.PathMetric().Values.ToArray());
    }

    [Fact]
    public void PathMetric_IsAMetric_AndTheChainsIsTheLabelGap()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            int nodes = 2 + rng.Next(12);
            int[] parents = [.. Enumerable.Range(0, nodes).Select(v => v == 0 ? -1 : rng.Next(v))];
            bool[] inner = new bool[nodes];
            foreach (int p in parents) if (p >= 0) inner[p] = true;
            var tree = new LabelTree(parents, [.. Enumerable.Range(0, nodes).Select(_ => rng.NextDouble())], [.. Enumerable.Range(0, nodes).Where(v => !inner[v] || rng.Next(2) == 0)]);
            int k = tree.Classes;
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                {
                    Assert.Equal(tree.Distance(i, j), tree.Distance(j, i), 12);
                    for (int l = 0; l < k; l++) Assert.True(tree.Distance(i, l) <= tree.Distance(i, j) + tree.Distance(j, l) + 1e-12);
                }
        }
        LabelTree chain = LabelTree.Chain(6, 0.5);
        Assert.Equal(2.0, chain.Distance(1, 5));
        Assert.Equal(Math.Pow(1.5, 2), chain.PathMetric(2)[0, 3], 12);
    }

    [Theory]
    [InlineData("root -\nother -\n0 root 1\n1 other 1", "both have no parent")]
    [InlineData("a b 1\nb a 1\n0 a 1\n1 b 1", "cycle")]
    [InlineData("root -\n0 root 1\n1 nowhere 1", "tree:3: node '1' has parent 'nowhere'")]
    [InlineData("root -\n0 root 1", "no node for class(es) 1")]
    [InlineData("root -\n0 root 1\n1 root 1\n2 root 1", "names class 2, but there are 2 classes")]
    [InlineData("root -\n0 root 1\n1 root -1", "weight -1")]
    [InlineData("root -\n0 root 1\n1 root 1\nspare root 1", "'spare') is a leaf without a class")]
    [InlineData("root -\n0 root 1\n0 root 1\n1 root 1", "tree:3: node '0' is defined twice")]
    [InlineData("root -\n0 root one\n1 root 1", "tree:2: the weight 'one'")]
    [InlineData("root -\n0 root\n1 root 1", "tree:2: '0 root' is not 'name parent weight'")]
    public void MalformedTrees_AreRefused_NamingTheLineOrNode(string text, string expected)
    {
        Exception e = Assert.ThrowsAny<Exception>(() => LabelTree.Parse(text, 2));
        Assert.True(e is FormatException or ArgumentException, e.GetType().Name);
        Assert.Contains(expected, e.Message);
    }
}
