// Undirected graphs for the node-embedding experiments (Frogner et al. 2019, section 5.1):
// the generators of complex networks, seeded so that a graph is remade from (kind, nodes,
// seed) alone, and all-pairs shortest-path distances by breadth-first search.
//   RandomTree        each node joins a uniformly chosen earlier node (a random recursive tree);
//   BarabasiAlbert    preferential attachment (Barabasi and Albert 1999): each node joins m
//                     distinct earlier nodes with probability proportional to their degree;
//   WattsStrogatz     a ring lattice of degree k whose edges are rewired with probability p
//                     (Watts and Strogatz 1998);
//   StochasticBlock   equal blocks, edges with probability pIn inside a block and pOut across.
namespace OtKernels.Data;

/// <summary>An undirected simple graph on nodes 0..Nodes-1.</summary>
public sealed class Graph
{
    private readonly List<int>[] _neighbours;

    /// <summary>A graph on nodes with the given edges (each once; no loops or repeats).</summary>
    /// <exception cref="ArgumentException">An edge that is a loop, repeats, or names a node
    /// outside 0..nodes-1, with its index.</exception>
    public Graph(int nodes, IEnumerable<(int U, int V)> edges)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentNullException.ThrowIfNull(edges);
        _neighbours = Enumerable.Range(0, nodes).Select(_ => new List<int>()).ToArray();
        var seen = new HashSet<(int, int)>();
        int k = 0;
        foreach ((int u, int v) in edges)
        {
            if ((uint)u >= (uint)nodes || (uint)v >= (uint)nodes)
                throw new ArgumentException($"edges[{k}] = ({u}, {v}) names a node outside 0..{nodes - 1}.", nameof(edges));
            if (u == v) throw new ArgumentException($"edges[{k}] = ({u}, {v}) is a loop.", nameof(edges));
            if (!seen.Add((Math.Min(u, v), Math.Max(u, v)))) throw new ArgumentException($"edges[{k}] = ({u}, {v}) repeats an edge.", nameof(edges));
            _neighbours[u].Add(v);
            _neighbours[v].Add(u);
            k++;
        }
        Edges = k;
    }

    /// <summary>Nodes in the graph.</summary>
    public int Nodes => _neighbours.Length;
    /// <summary>Edges in the graph.</summary>
    public int Edges { get; }
    /// <summary>The neighbours of node u.</summary>
    public IReadOnlyList<int> Neighbours(int u) => _neighbours[u];
    /// <summary>The number of neighbours of node u.</summary>
    public int Degree(int u) => _neighbours[u].Count;

    /// <summary>Hop distances between all pairs, [nodes, nodes] row-major, by a breadth-first
    /// search from every node; -1 between nodes of different components.</summary>
    public int[] ShortestPaths()
    {
        int n = Nodes;
        var distances = new int[n * n];
        Array.Fill(distances, -1);
        Parallel.For(0, n, source =>
        {
            Span<int> row = distances.AsSpan(source * n, n);
            var queue = new Queue<int>();
            row[source] = 0;
            queue.Enqueue(source);
            while (queue.TryDequeue(out int u))
                foreach (int v in _neighbours[u])
                    if (row[v] < 0)
                    {
                        row[v] = row[u] + 1;
                        queue.Enqueue(v);
                    }
        });
        return distances;
    }

    /// <summary>The subgraph on the largest connected component (ties: the one with the
    /// smallest node), its nodes renumbered in increasing order.</summary>
    public Graph LargestComponent()
    {
        var component = new int[Nodes];
        Array.Fill(component, -1);
        int best = -1, bestSize = 0;
        for (int start = 0, id = 0; start < Nodes; start++)
        {
            if (component[start] >= 0) continue;
            var stack = new Stack<int>([start]);
            component[start] = id;
            int size = 0;
            while (stack.TryPop(out int u))
            {
                size++;
                foreach (int v in _neighbours[u])
                    if (component[v] < 0) { component[v] = id; stack.Push(v); }
            }
            if (size > bestSize) (best, bestSize) = (id, size);
            id++;
        }
        int[] kept = Enumerable.Range(0, Nodes).Where(u => component[u] == best).ToArray();
        var index = new Dictionary<int, int>();
        for (int k = 0; k < kept.Length; k++) index[kept[k]] = k;
        return new Graph(kept.Length, kept.SelectMany(u => _neighbours[u].Where(v => v > u && index.ContainsKey(v)).Select(v => (index[u], index[v]))));
    }

    /// <summary>A random recursive tree: node i joins a uniformly chosen node of 0..i-1.</summary>
    public static Graph RandomTree(int nodes, int seed)
    {
        var rng = new Random(seed);
        return new Graph(nodes, Enumerable.Range(1, nodes - 1).Select(i => (rng.Next(i), i)).ToList());
    }

    /// <summary>Preferential attachment: a complete graph on m + 1 nodes, then each new node
    /// joins m distinct earlier nodes drawn with probability proportional to their degree.</summary>
    public static Graph BarabasiAlbert(int nodes, int m, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        if (nodes <= m) throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"Preferential attachment with m = {m} needs more than {m} nodes.");
        var rng = new Random(seed);
        var edges = new List<(int, int)>();
        var ends = new List<int>(); // every edge's two ends: a uniform draw is degree-proportional
        for (int u = 0; u <= m; u++)
            for (int v = u + 1; v <= m; v++) { edges.Add((u, v)); ends.Add(u); ends.Add(v); }
        var chosen = new HashSet<int>();
        for (int node = m + 1; node < nodes; node++)
        {
            chosen.Clear();
            while (chosen.Count < m) chosen.Add(ends[rng.Next(ends.Count)]);
            foreach (int target in chosen.Order()) { edges.Add((target, node)); ends.Add(target); ends.Add(node); }
        }
        return new Graph(nodes, edges);
    }

    /// <summary>A ring lattice where each node joins its k/2 nearest on each side, then each
    /// edge (u, u + j) rewired with probability p to (u, w), w uniform, avoiding loops and repeats.</summary>
    public static Graph WattsStrogatz(int nodes, int k, double p, int seed)
    {
        if (k < 2 || k % 2 != 0 || k >= nodes) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be even, at least 2 and below the {nodes} nodes.");
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in [0, 1].");
        var rng = new Random(seed);
        var present = new HashSet<(int, int)>();
        static (int, int) Key(int u, int v) => (Math.Min(u, v), Math.Max(u, v));
        for (int u = 0; u < nodes; u++)
            for (int j = 1; j <= k / 2; j++) present.Add(Key(u, (u + j) % nodes));
        for (int j = 1; j <= k / 2; j++)
            for (int u = 0; u < nodes; u++)
            {
                (int, int) edge = Key(u, (u + j) % nodes);
                if (rng.NextDouble() >= p || !present.Contains(edge)) continue;
                int w = rng.Next(nodes);
                if (w == u || present.Contains(Key(u, w))) continue;
                present.Remove(edge);
                present.Add(Key(u, w));
            }
        return new Graph(nodes, present.Order());
    }

    /// <summary>blocks equal blocks (the last takes the rest); each pair of nodes is an edge
    /// with probability pIn in one block, pOut across.</summary>
    public static Graph StochasticBlock(int nodes, int blocks, double pIn, double pOut, int seed)
    {
        if (blocks < 1 || blocks > nodes) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, $"blocks must be in 1..{nodes}.");
        if (!(pIn >= 0 && pIn <= 1)) throw new ArgumentOutOfRangeException(nameof(pIn), pIn, "pIn must be in [0, 1].");
        if (!(pOut >= 0 && pOut <= 1)) throw new ArgumentOutOfRangeException(nameof(pOut), pOut, "pOut must be in [0, 1].");
        var rng = new Random(seed);
        int size = nodes / blocks;
        int Block(int u) => Math.Min(u / size, blocks - 1);
        var edges = new List<(int, int)>();
        for (int u = 0; u < nodes; u++)
            for (int v = u + 1; v < nodes; v++)
                if (rng.NextDouble() < (Block(u) == Block(v) ? pIn : pOut)) edges.Add((u, v));
        return new Graph(nodes, edges);
    }
}
