// The graph generators against the properties that define them (edge counts, degrees, the
// ring lattice's distances, seeds), breadth-first distances against Floyd-Warshall, and bad
// edges named.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Data;
using Xunit;

namespace OtKernels.Tests.Data;

public class GraphTests
{
    private static (int, int)[] EdgeList(Graph g) =>
        Enumerable.Range(0, g.Nodes).SelectMany(u => g.Neighbours(u).Where(v => v > u).Select(v => (u, v))).Order().ToArray();

    [Fact]
    public void Generators_HaveTheirEdgeCountsAndDegrees_AndRepeatBySeed()
    {
        Graph tree = Graph.RandomTree(100, 3);
        Assert.Equal(99, tree.Edges);
        Assert.DoesNotContain(-1, tree.ShortestPaths()); // connected

        Graph ba = Graph.BarabasiAlbert(200, 2, 5);
        Assert.Equal(3 + (200 - 3) * 2, ba.Edges);
        Assert.All(Enumerable.Range(0, 200), u => Assert.True(ba.Degree(u) >= 2));
        Assert.Equal(EdgeList(ba), EdgeList(Graph.BarabasiAlbert(200, 2, 5)));
        Assert.NotEqual(EdgeList(ba), EdgeList(Graph.BarabasiAlbert(200, 2, 6)));
        // Preferential attachment: the oldest nodes collect far more than the average degree 4.
        Assert.True(Enumerable.Range(0, 200).Max(ba.Degree) > 12, $"largest degree {Enumerable.Range(0, 200).Max(ba.Degree)}");

        Assert.Equal(150 * 2, Graph.WattsStrogatz(150, 4, 0.2, 1).Edges);
        Graph lattice = Graph.WattsStrogatz(30, 4, 0, 1);
        int[] hops = lattice.ShortestPaths();
        for (int u = 0; u < 30; u++)
        {
            Assert.Equal(4, lattice.Degree(u));
            for (int v = 0; v < 30; v++)
            {
                int around = Math.Min(Math.Abs(u - v), 30 - Math.Abs(u - v));
                Assert.Equal((around + 1) / 2, hops[u * 30 + v]);
            }
        }

        Graph cliques = Graph.StochasticBlock(20, 2, 1, 0, 1);
        Assert.Equal(2 * 45, cliques.Edges);
        Graph largest = cliques.LargestComponent();
        Assert.Equal((10, 45), (largest.Nodes, largest.Edges));
    }

    [Fact]
    public void ShortestPaths_AreFloydWarshalls()
    {
        Prop.ForAll((from n in Gen.Choose(1, 25) from p in Gen.Choose(0, 40) from seed in Gen.Choose(0, int.MaxValue) select (n, p, seed)).ToArbitrary(), t =>
        {
            Graph g = Graph.StochasticBlock(t.n, 1, t.p / 100.0, 0, t.seed);
            const int far = 1 << 20;
            var d = new int[t.n, t.n];
            for (int u = 0; u < t.n; u++) for (int v = 0; v < t.n; v++) d[u, v] = u == v ? 0 : far;
            foreach ((int u, int v) in EdgeList(g)) d[u, v] = d[v, u] = 1;
            for (int w = 0; w < t.n; w++) for (int u = 0; u < t.n; u++) for (int v = 0; v < t.n; v++) d[u, v] = Math.Min(d[u, v], d[u, w] + d[w, v]);
            int[] hops = g.ShortestPaths();
            for (int u = 0; u < t.n; u++) for (int v = 0; v < t.n; v++) Assert.Equal(d[u, v] == far ? -1 : d[u, v], hops[u * t.n + v]);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void BadEdges_AreNamed()
    {
        Assert.Contains("edges[1]", Assert.Throws<ArgumentException>("edges", () => new Graph(3, [(0, 1), (1, 1)])).Message);
        Assert.Contains("repeats", Assert.Throws<ArgumentException>("edges", () => new Graph(3, [(0, 1), (1, 0)])).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentException>("edges", () => new Graph(3, [(0, 3)])).Message);
        Assert.Throws<ArgumentOutOfRangeException>("k", () => Graph.WattsStrogatz(10, 3, 0.1, 1));
    }
}
