// Graphs from edge-list files, the plain format of network collections (SNAP, KONECT,
// networkx's write_edgelist): one undirected edge per line as two node names separated by
// spaces, tabs or a comma; blank lines and lines starting with # or % are comments. Names are
// any tokens and number the nodes in order of first appearance, so sparse or 1-based integer
// ids work as they are. An edge listed twice (either way round, as symmetric lists do) counts
// once; a loop or a line that is not two names is an error naming the line.
namespace OtKernels.Data;

/// <summary>A graph read from an edge list, its node names (index = node) and how many
/// lines repeated an edge already read.</summary>
public sealed record EdgeList(Graph Graph, string[] Names, int Repeats);

/// <summary>Reads undirected graphs from edge-list files.</summary>
public static class EdgeListFile
{
    private static readonly char[] Separators = [' ', '\t', ','];

    /// <summary>The graph of the edge list at path.</summary>
    /// <exception cref="InvalidDataException">A line that is not two names, a loop, or no
    /// edges at all; the message names the file and line.</exception>
    public static EdgeList Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var edges = new List<(int, int)>();
        var seen = new HashSet<(int, int)>();
        int repeats = 0, number = 0;
        int Node(string name)
        {
            if (index.TryGetValue(name, out int node)) return node;
            index[name] = names.Count;
            names.Add(name);
            return names.Count - 1;
        }
        foreach (string line in File.ReadLines(path))
        {
            number++;
            string text = line.Trim();
            if (text.Length == 0 || text[0] is '#' or '%') continue;
            string[] fields = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length != 2)
                throw new InvalidDataException($"{path}, line {number}: '{text}' has {fields.Length} fields; an edge is two node names (weights are not read).");
            if (fields[0] == fields[1]) throw new InvalidDataException($"{path}, line {number}: '{text}' joins node {fields[0]} to itself; loops are not edges of a simple graph.");
            int u = Node(fields[0]), v = Node(fields[1]);
            if (seen.Add((Math.Min(u, v), Math.Max(u, v)))) edges.Add((u, v));
            else repeats++;
        }
        if (edges.Count == 0) throw new InvalidDataException($"{path}: no edges (one per line: two node names).");
        return new EdgeList(new Graph(names.Count, edges), names.ToArray(), repeats);
    }
}
