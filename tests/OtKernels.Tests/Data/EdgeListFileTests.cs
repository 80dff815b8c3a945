// Edge-list files: a generated graph written out (names shuffled, edges listed both ways,
// comments, separators mixed) reads back as the same graph under the names; bad lines named.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Data;
using Xunit;

namespace OtKernels.Tests.Data;

public sealed class EdgeListFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-edges-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, IEnumerable<string> lines)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void AWrittenGraph_ReadsBack_AsTheSameGraphUnderItsNames()
    {
        Prop.ForAll((from nodes in Gen.Choose(3, 60) from seed in Gen.Choose(0, int.MaxValue) select (nodes, seed)).ToArbitrary(), t =>
        {
            Graph graph = Graph.BarabasiAlbert(t.nodes, 2, t.seed);
            var rng = new Random(t.seed);
            // Sparse, 1-based-like names; each edge once or twice (reversed), mixed separators.
            int[] name = Enumerable.Range(0, graph.Nodes).Select(u => 10 * u + 1).OrderBy(_ => rng.Next()).ToArray();
            var lines = new List<string> { "# a comment", "% another", "" };
            int repeats = 0;
            for (int u = 0; u < graph.Nodes; u++)
                foreach (int v in graph.Neighbours(u).Where(v => v > u))
                {
                    lines.Add($"{name[u]}{(rng.Next(2) == 0 ? "\t" : " , ")}{name[v]}");
                    if (rng.Next(3) == 0) { lines.Add($"  {name[v]} {name[u]}  "); repeats++; }
                }
            EdgeList read = EdgeListFile.Read(Write("g.txt", lines));
            Assert.Equal((graph.Nodes, graph.Edges, repeats), (read.Graph.Nodes, read.Graph.Edges, read.Repeats));
            var node = read.Names.Select((n, i) => (n, i)).ToDictionary(p => int.Parse(p.n, System.Globalization.CultureInfo.InvariantCulture), p => p.i);
            for (int u = 0; u < graph.Nodes; u++)
                Assert.Equal(graph.Neighbours(u).Select(v => node[name[v]]).Order(), read.Graph.Neighbours(node[name[u]]).Order());
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Theory]
    [InlineData("a b\nc\n", "line 2")]
    [InlineData("a b 0.5\n", "3 fields")]
    [InlineData("a b\nb b\n", "line 2")]
    [InlineData("# nothing\n\n", "no edges")]
    public void BadFiles_NameTheLineAndWhy(string text, string expected)
    {
        string path = Write("bad.txt", text.Split('\n'));
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => EdgeListFile.Read(path)).Message);
    }
}
