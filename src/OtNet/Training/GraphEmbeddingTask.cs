// Node embeddings of a graph (Frogner, Mirzazadeh and Solomon 2019, section 5.1): each node
// is a free table row of M k numbers (M points in R^k), and the distance between two rows
// (EmbeddingMetric: entropic Wasserstein, or Euclidean for the baseline of equal size) is
// fitted to the shortest-path distance by the relative squared error
//     L = mean over pairs ((d(u, v) - d_G(u, v)) / d_G(u, v))^2,
// a smooth form of the distortion objective. After every epoch, over all pairs of the
// graph's largest component: the average distortion mean |d - d_G| / d_G (the monitored
// metric), and the mean average precision of each node's neighbourhood when the other nodes
// are ranked by embedding distance (how well the edges are recovered).
using OtNet.Models;

namespace OtNet.Training;

/// <summary>Graph node embeddings fitted to shortest-path distances, as a task of <see cref="Trainer"/>.</summary>
public sealed class GraphEmbeddingTask : ITrainingTask
{
    private readonly EmbeddingMetric _metric;
    private readonly Parameter _table;
    private readonly int _nodes;
    private readonly int[] _hops, _first, _second;
    private readonly bool[] _adjacent;

    /// <summary>The task of embedding the nodes of a connected graph given by its hop
    /// distances [nodes, nodes] (row-major, symmetric, positive off the diagonal).</summary>
    /// <exception cref="ArgumentException">Distances that are not those of a connected graph, named by entry.</exception>
    public GraphEmbeddingTask(int nodes, int[] hops, EmbeddingMetric metric, int seed)
    {
        ArgumentNullException.ThrowIfNull(hops);
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 2);
        if (hops.Length != nodes * nodes) throw new ArgumentException($"hops has {hops.Length} entries for {nodes} x {nodes}.", nameof(hops));
        for (int u = 0; u < nodes; u++)
            for (int v = 0; v < nodes; v++)
                if (hops[u * nodes + v] != hops[v * nodes + u] || (u == v ? hops[u * nodes + v] != 0 : hops[u * nodes + v] < 1))
                    throw new ArgumentException($"hops[{u}, {v}] = {hops[u * nodes + v]}: distances must be symmetric, 0 on the diagonal and positive elsewhere (a connected graph).", nameof(hops));
        (_nodes, _hops, _metric) = (nodes, hops, metric);
        var pairs = new List<(int, int)>();
        for (int u = 0; u < nodes; u++)
            for (int v = u + 1; v < nodes; v++) pairs.Add((u, v));
        _first = pairs.Select(p => p.Item1).ToArray();
        _second = pairs.Select(p => p.Item2).ToArray();
        _adjacent = hops.Select(h => h == 1).ToArray();
        _table = new Parameter("embedding", nodes, metric.EmbeddingSize);
        // Points spread over a box of the graph's scale, so that early distances are of the
        // order of the hop distances.
        var rng = new Random(seed);
        double scale = Math.Sqrt(hops.Max());
        for (int k = 0; k < _table.Value.Length; k++) _table.Value[k] = (float)(scale * (rng.NextDouble() - 0.5));
        Parameters = [_table];
    }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public IReadOnlyList<(string Name, int[] Shape, float[] Data)> NamedParameters() => [(_table.Name, _table.Shape, _table.Value)];
    /// <inheritdoc/>
    public int Examples => _first.Length;
    /// <inheritdoc/>
    public IReadOnlyList<string> TrainMetrics { get; } = ["train_loss"];
    /// <inheritdoc/>
    public IReadOnlyList<string> EvaluationMetrics { get; } = ["distortion", "mean_average_precision"];
    /// <inheritdoc/>
    public (string Name, bool HigherIsBetter) Monitor => ("distortion", false);
    /// <inheritdoc/>
    public string Settings => $"nodes={_nodes}\npoints={_metric.Points}\ndimension={_metric.Dimension}\ndistance={_metric.Distance}\n"
        + $"epsilon={_metric.Sinkhorn.Epsilon:R}\niterations={_metric.Sinkhorn.Iterations}\nreading={_metric.Sinkhorn.Kind}\nmetric={_metric.Sinkhorn.Metric}";

    /// <summary>The node embeddings, [nodes, M k].</summary>
    public ReadOnlySpan<float> Embeddings => _table.Value;

    /// <inheritdoc/>
    public double[] TrainBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int size = indices.Length, e = _metric.EmbeddingSize;
        (float[] u, float[] v) = Gather(indices);
        var distances = new double[size];
        float[] gu = new float[u.Length], gv = new float[v.Length];
        _metric.Distances(u, v, distances, Enumerable.Repeat(1.0, size).ToArray(), gu, gv);
        double loss = 0;
        for (int p = 0; p < size; p++)
        {
            double target = _hops[_first[indices[p]] * _nodes + _second[indices[p]]], r = (distances[p] - target) / target;
            loss += r * r;
            float slope = (float)(2 * r / target / size);
            for (int i = 0; i < e; i++)
            {
                _table.Gradient[_first[indices[p]] * e + i] += slope * gu[p * e + i];
                _table.Gradient[_second[indices[p]] * e + i] += slope * gv[p * e + i];
            }
        }
        return [loss / size];
    }

    /// <summary>The loss TrainBatch(indices) would step on, forward only (for checks).</summary>
    internal double LossOf(int[] indices)
    {
        (float[] u, float[] v) = Gather(indices);
        var distances = new double[indices.Length];
        _metric.Distances(u, v, distances);
        double loss = 0;
        for (int p = 0; p < indices.Length; p++)
        {
            double target = _hops[_first[indices[p]] * _nodes + _second[indices[p]]], r = (distances[p] - target) / target;
            loss += r * r;
        }
        return loss / indices.Length;
    }

    /// <inheritdoc/>
    public double[] Evaluate()
    {
        double[] all = AllDistances();
        double distortion = 0;
        for (int p = 0; p < _first.Length; p++)
        {
            double target = _hops[_first[p] * _nodes + _second[p]];
            distortion += Math.Abs(all[_first[p] * _nodes + _second[p]] - target) / target;
        }
        return [distortion / _first.Length, MeanAveragePrecision(all)];
    }

    /// <inheritdoc/>
    public void SaveModel(string path, IReadOnlyDictionary<string, string> metadata) =>
        IO.SafeTensors.Save(path, NamedParameters(), new Dictionary<string, string>(metadata) { ["format"] = "otnet-graph-embedding", ["settings"] = Settings });

    /// <summary>The embedding distance of every pair, [nodes, nodes], 0 on the diagonal.</summary>
    public double[] AllDistances()
    {
        var all = new double[_nodes * _nodes];
        const int chunk = 4096;
        for (int start = 0; start < _first.Length; start += chunk)
        {
            int[] indices = Enumerable.Range(start, Math.Min(chunk, _first.Length - start)).ToArray();
            (float[] u, float[] v) = Gather(indices);
            var distances = new double[indices.Length];
            _metric.Distances(u, v, distances);
            for (int p = 0; p < indices.Length; p++)
                all[_first[indices[p]] * _nodes + _second[indices[p]]] = all[_second[indices[p]] * _nodes + _first[indices[p]]] = distances[p];
        }
        return all;
    }

    /// <summary>For each node with neighbours: the average precision of its neighbours when
    /// the other nodes are ranked by embedding distance; their mean.</summary>
    private double MeanAveragePrecision(double[] all)
    {
        double sum = 0;
        int counted = 0;
        for (int u = 0; u < _nodes; u++)
        {
            int node = u;
            int[] ranked = Enumerable.Range(0, _nodes).Where(v => v != node).OrderBy(v => all[node * _nodes + v]).ThenBy(v => v).ToArray();
            int found = 0;
            double precision = 0;
            for (int r = 0; r < ranked.Length; r++)
                if (_adjacent[u * _nodes + ranked[r]]) precision += (double)++found / (r + 1);
            if (found == 0) continue;
            sum += precision / found;
            counted++;
        }
        return sum / Math.Max(counted, 1);
    }

    private (float[] U, float[] V) Gather(int[] indices)
    {
        int e = _metric.EmbeddingSize;
        var u = new float[indices.Length * e];
        var v = new float[indices.Length * e];
        for (int p = 0; p < indices.Length; p++)
        {
            _table.Value.AsSpan(_first[indices[p]] * e, e).CopyTo(u.AsSpan(p * e));
            _table.Value.AsSpan(_second[indices[p]] * e, e).CopyTo(v.AsSpan(p * e));
        }
        return (u, v);
    }
}
