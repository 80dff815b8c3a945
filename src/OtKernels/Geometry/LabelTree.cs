// A weighted tree whose nodes carry the classes of a label space: the ground metric of
// hierarchical labels (classes at the leaves of a taxonomy) and, as a path, of ordinal ones
// (class i joined to i + 1). The distance between two classes is the length of the path
// between their nodes, and the EMD between histograms on a tree has a closed form over its
// edges, sum_e w_e |p(below e) - q(below e)| (Martinez 2016, "Relaxed Earth Mover's
// Distances for chain- and tree-connected spaces"; TreeEmdLoss computes it).
//
// The text format, one node per line (blank lines and # comments ignored):
//     name  parent  weight
// The root's parent is '-' (its weight is ignored and may be omitted). A node named by an
// integer 0..K-1 holds that class; every class appears once; other names are inner nodes,
// and every leaf must be a class (a leaf without a class carries no mass). Weights are the
// edge lengths to the parent, finite and nonnegative.
using System.Globalization;

namespace OtKernels.Geometry;

/// <summary>A weighted tree over the classes of a label space: classes sit at nodes (the
/// leaves of a taxonomy, or the nodes of a path), edges have lengths.</summary>
public sealed class LabelTree
{
    private readonly int[] _parent, _classNode, _childrenFirst;
    private readonly double[] _weight;

    /// <param name="parents">parents[v], the parent of node v; -1 for the one root.</param>
    /// <param name="weights">weights[v] &gt;= 0, the length of the edge from v to its parent (the root's is ignored).</param>
    /// <param name="classNodes">classNodes[c], the node of class c; distinct nodes.</param>
    /// <param name="names">Optional node names, for messages and Format.</param>
    /// <exception cref="ArgumentException">Not one root, a parent out of range, a cycle, a
    /// negative or non-finite weight, a class on two nodes or on none, a leaf without a class;
    /// the message names the node.</exception>
    public LabelTree(IReadOnlyList<int> parents, IReadOnlyList<double> weights, IReadOnlyList<int> classNodes, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(classNodes);
        int count = parents.Count;
        if (count == 0) throw new ArgumentException("The tree has no nodes.", nameof(parents));
        ThrowHelper.ThrowIfLengthMismatch(weights.Count, count, nameof(weights), "one per node");
        if (names is not null) ThrowHelper.ThrowIfLengthMismatch(names.Count, count, nameof(names), "one per node");
        if (classNodes.Count == 0) throw new ArgumentException("The tree has no classes.", nameof(classNodes));
        Names = names?.ToArray() ?? [.. Enumerable.Range(0, count).Select(v => v.ToString(CultureInfo.InvariantCulture))];
        string Name(int v) => $"node {v} ('{Names[v]}')";
        _parent = [.. parents];
        _weight = [.. weights];
        int root = -1;
        for (int v = 0; v < count; v++)
        {
            int parent = _parent[v];
            if (parent == -1)
            {
                if (root != -1) throw new ArgumentException($"{Name(root)} and {Name(v)} both have no parent; a tree has one root.", nameof(parents));
                root = v;
                _weight[v] = 0;
                continue;
            }
            if (parent < 0 || parent >= count || parent == v)
                throw new ArgumentException($"{Name(v)} has parent {parent}, not another node of the {count}.", nameof(parents));
            if (!(double.IsFinite(_weight[v]) && _weight[v] >= 0))
                throw new ArgumentException($"{Name(v)} has edge weight {_weight[v]}; weights must be finite and nonnegative.", nameof(weights));
        }
        if (root == -1) throw new ArgumentException("Every node has a parent: the parents form a cycle, and a tree needs a root.", nameof(parents));
        Root = root;
        // Depth by walking up; a walk longer than the node count is a cycle.
        var depth = new int[count];
        for (int v = 0; v < count; v++)
        {
            int steps = 0;
            for (int u = v; u != root; u = _parent[u])
                if (++steps > count) throw new ArgumentException($"{Name(v)} does not reach the root: its ancestors form a cycle.", nameof(parents));
            depth[v] = steps;
        }
        // Parents before children (by depth), so that a reversed sweep visits children first.
        TopDown = [.. Enumerable.Range(0, count).OrderBy(v => depth[v]).ThenBy(v => v)];
        _classNode = [.. classNodes];
        var classOf = Enumerable.Repeat(-1, count).ToArray();
        for (int c = 0; c < _classNode.Length; c++)
        {
            int v = _classNode[c];
            if (v < 0 || v >= count) throw new ArgumentException($"Class {c} is on node {v}, not one of the {count} nodes.", nameof(classNodes));
            if (classOf[v] != -1) throw new ArgumentException($"Classes {classOf[v]} and {c} are both on {Name(v)}.", nameof(classNodes));
            classOf[v] = c;
        }
        ClassOfNode = classOf;
        var hasChild = new bool[count];
        foreach (int p in _parent) if (p >= 0) hasChild[p] = true;
        for (int v = 0; v < count; v++)
            if (!hasChild[v] && classOf[v] == -1)
                throw new ArgumentException($"{Name(v)} is a leaf without a class: it would carry no mass. Classes are the nodes named 0..{_classNode.Length - 1}.", nameof(classNodes));
        _childrenFirst = [.. TopDown.Reverse()];
    }

    /// <summary>The classes K.</summary>
    public int Classes => _classNode.Length;
    /// <summary>The nodes.</summary>
    public int Nodes => _parent.Length;
    /// <summary>The root node.</summary>
    public int Root { get; }
    /// <summary>The node names (the file's, or the node numbers).</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>Parent of each node, -1 for the root.</summary>
    public IReadOnlyList<int> Parents => _parent;
    /// <summary>Length of each node's edge to its parent (0 for the root).</summary>
    public IReadOnlyList<double> Weights => _weight;
    /// <summary>The node of each class.</summary>
    public IReadOnlyList<int> ClassNodes => _classNode;
    /// <summary>The class of each node, -1 for a node without one.</summary>
    public IReadOnlyList<int> ClassOfNode { get; }
    /// <summary>The nodes with every parent before its children.</summary>
    public IReadOnlyList<int> TopDown { get; }
    /// <summary>The nodes with every child before its parent.</summary>
    public IReadOnlyList<int> BottomUp => _childrenFirst;

    /// <summary>The ordinal label space: classes 0..K-1 on a path, class i joined to i + 1 by
    /// an edge of length step, so that d(i, j) = step |i - j| and the tree EMD is the 1D EMD.</summary>
    public static LabelTree Chain(int classes, double step = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (!(double.IsFinite(step) && step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be positive and finite.");
        // Rooted at the last class: the subtree below class i's edge holds classes 0..i.
        return new LabelTree([.. Enumerable.Range(0, classes).Select(i => i == classes - 1 ? -1 : i + 1)],
            [.. Enumerable.Repeat(step, classes)], [.. Enumerable.Range(0, classes)]);
    }

    /// <summary>A tree in the text format of this file's header, whose classes are 0..classes-1.</summary>
    /// <exception cref="FormatException">A line that is not 'name parent weight', a repeated name,
    /// an unknown parent, a class number out of range or missing; the message gives the line.</exception>
    /// <exception cref="ArgumentException">A tree the constructor refuses (two roots, a cycle, a negative weight, a leaf without a class).</exception>
    public static LabelTree Parse(string text, int classes, string source = "tree")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        var names = new List<string>();
        var parentNames = new List<(string Parent, int Line)>();
        var weights = new List<double>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int l = 0; l < lines.Length; l++)
        {
            string line = lines[l];
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash];
            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            string where = $"{source}:{l + 1}";
            bool root = fields.Length >= 2 && fields[1] == "-";
            if (fields.Length != 3 && !(root && fields.Length == 2))
                throw new FormatException($"{where}: '{lines[l].Trim()}' is not 'name parent weight'.");
            double weight = 0;
            if (fields.Length == 3 && !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
                throw new FormatException($"{where}: the weight '{fields[2]}' is not a number.");
            if (!index.TryAdd(fields[0], names.Count)) throw new FormatException($"{where}: node '{fields[0]}' is defined twice.");
            names.Add(fields[0]);
            parentNames.Add((fields[1], l + 1));
            weights.Add(weight);
        }
        var parents = new int[names.Count];
        for (int v = 0; v < names.Count; v++)
        {
            (string parent, int line) = parentNames[v];
            parents[v] = parent == "-" ? -1 : index.TryGetValue(parent, out int p) ? p
                : throw new FormatException($"{source}:{line}: node '{names[v]}' has parent '{parent}', which no line defines.");
        }
        var classNodes = Enumerable.Repeat(-1, classes).ToArray();
        for (int v = 0; v < names.Count; v++)
        {
            if (!int.TryParse(names[v], NumberStyles.None, CultureInfo.InvariantCulture, out int c)) continue;
            if (c >= classes) throw new FormatException($"{source}:{parentNames[v].Line}: node '{names[v]}' names class {c}, but there are {classes} classes (0..{classes - 1}).");
            classNodes[c] = v;
        }
        int[] missing = [.. Enumerable.Range(0, classes).Where(c => classNodes[c] == -1)];
        if (missing.Length > 0) throw new FormatException($"{source}: no node for class(es) {string.Join(", ", missing)}; each of the {classes} classes needs a node named by its number.");
        return new LabelTree(parents, weights, classNodes, names);
    }

    /// <summary>Parse of a file.</summary>
    public static LabelTree Load(string path, int classes) => Parse(File.ReadAllText(path), classes, path);

    /// <summary>The tree in the text format Parse reads.</summary>
    public string Format()
    {
        var text = new System.Text.StringBuilder("# node parent weight\n");
        foreach (int v in TopDown)
            text.Append(CultureInfo.InvariantCulture, $"{Names[v]} {(_parent[v] < 0 ? "-" : Names[_parent[v]])} {_weight[v].ToString("R", CultureInfo.InvariantCulture)}\n");
        return text.ToString();
    }

    /// <summary>The length of the path between the nodes of two classes.</summary>
    public double Distance(int first, int second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(first, Classes);
        ArgumentOutOfRangeException.ThrowIfNegative(second);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(second, Classes);
        // Distances to every ancestor of the first, then up from the second to the first common one.
        var up = new Dictionary<int, double>();
        double length = 0;
        for (int u = _classNode[first]; u >= 0; u = _parent[u])
        {
            up[u] = length;
            length += _weight[u];
        }
        length = 0;
        for (int u = _classNode[second]; ; u = _parent[u])
        {
            if (up.TryGetValue(u, out double rest)) return length + rest;
            length += _weight[u];
        }
    }

    /// <summary>d(i, j)^power between every two classes, K x K: the ground metric of the
    /// Wasserstein loss and of the network simplex on this label space.</summary>
    public DenseCost PathMetric(double power = 1)
    {
        if (!(double.IsFinite(power) && power > 0)) throw new ArgumentOutOfRangeException(nameof(power), power, "The power must be positive and finite.");
        int k = Classes;
        var values = new double[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) values[i * k + j] = i == j ? 0 : Math.Pow(Distance(i, j), power);
        return new DenseCost(values, k, k);
    }
}
