// Deep metric learning (Dou, Luo and Yang 2022, after Roth et al. 2020) as a task of the one
// training loop: each anchor of a mini-batch brings an image of its own class, so the batch of
// 2B images holds positives for every anchor; the trunk embeds the batch, the distances of
// all its pairs form D (the model's distance: the Sinkhorn divergence between point clouds
// for wtriplet and wcontrastive, |u - v| for the Euclidean losses), a BatchMetricLoss reads D
// and gives dL/dD, and the pairs with a nonzero gradient are run again with their upstreams
// so the gradient reaches the trunk (through the Sinkhorn iterations for a Wasserstein model).
// After every epoch: Recall@1 and mAP@R of held-out images of the training classes (each
// image queries all the others), Recall@1 the monitored metric. The evaluation classes are
// never seen in training (the zero-shot protocol). Each batch also reports the share of its
// time spent in the distances, forward and reverse (train_distance_share).
using OtNet.Analysis;
using OtNet.Data;
using OtNet.IO;
using OtNet.Losses;
using OtNet.Models;

namespace OtNet.Training;

/// <summary>A metric embedding trained by a batch loss over its distances, as a task of <see cref="Trainer"/>.</summary>
public sealed class MetricLearningTask : ITrainingTask
{
    private readonly WassersteinEmbedding _model;
    private readonly BatchMetricLoss _loss;
    private readonly string _lossName;
    private readonly LabelledImages _train, _valid;
    private readonly int _seed;
    private readonly int[][] _byClass;
    private readonly int[] _trainLabels, _classOf;
    private Tensor? _input, _gradient;
    private long _distanceTicks; // time in the distances (forward and reverse) of the current batch

    /// <summary>The task of training model with loss (named lossName in the files) on train,
    /// evaluated by retrieval on valid; seed draws the partners and the sampling.</summary>
    /// <exception cref="ArgumentException">A training set where no class has two images, or
    /// fewer than two validation images.</exception>
    public MetricLearningTask(WassersteinEmbedding model, BatchMetricLoss loss, string lossName, LabelledImages train, LabelledImages valid, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentException.ThrowIfNullOrEmpty(lossName);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        (_model, _loss, _lossName, _train, _valid, _seed) = (model, loss, lossName, train, valid, seed);
        _trainLabels = train.Labels.ToArray();
        _classOf = new int[_trainLabels.DefaultIfEmpty(0).Max() + 1];
        _byClass = _trainLabels.Distinct().Order().Select(c => Enumerable.Range(0, train.Count).Where(i => _trainLabels[i] == c).ToArray()).ToArray();
        for (int c = 0; c < _byClass.Length; c++) _classOf[_trainLabels[_byClass[c][0]]] = c;
        if (_byClass.Length < 2 || _byClass.All(members => members.Length < 2))
            throw new ArgumentException("Metric learning needs two classes in the training images and a class with two images.", nameof(train));
        if (valid.Count < 2) throw new ArgumentException("Retrieval needs at least two validation images.", nameof(valid));
        Parameters = [.. model.Trunk.Parameters, .. loss.Parameters];
    }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public IReadOnlyList<(string Name, int[] Shape, float[] Data)> NamedParameters() =>
        [.. SafeTensors.NamedParameters(_model.Trunk), .. _loss.Parameters.Select(p => (p.Name, p.Shape, p.Value))];
    /// <inheritdoc/>
    public int Examples => _train.Count;
    /// <inheritdoc/>
    public IReadOnlyList<string> TrainMetrics { get; } = ["train_loss", "train_distance_share"];
    /// <inheritdoc/>
    public IReadOnlyList<string> EvaluationMetrics { get; } = ["valid_recall_at_1", "valid_map_at_r"];
    /// <inheritdoc/>
    public (string Name, bool HigherIsBetter) Monitor => ("valid_recall_at_1", true);

    /// <inheritdoc/>
    public string Settings => string.Join("\n", [.. _model.Describe().Select(p => $"{p.Key}={p.Value}"),
        $"loss={_lossName}", $"seed={_seed}", $"training images={_train.Count}", $"validation images={_valid.Count}"]);

    /// <inheritdoc/>
    public double[] TrainBatch(int[] indices)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _distanceTicks = 0;
        double loss = Step(indices, learn: true);
        return [loss, (double)_distanceTicks / (System.Diagnostics.Stopwatch.GetTimestamp() - start)];
    }

    /// <summary>The batch loss TrainBatch(indices) would step on, forward only (for checks).</summary>
    internal double LossOf(int[] indices) => Step(indices, learn: false);

    /// <summary>The batch's loss; with learn, its gradients are added to the trunk's and the loss's parameters.</summary>
    private double Step(int[] indices, bool learn)
    {
        ArgumentNullException.ThrowIfNull(indices);
        // Partners and sampling depend on the batch and the seed alone, so a resumed run repeats them.
        var rng = new Random(EmbeddingTask.Mix(_seed, indices));
        int[] images = [.. indices, .. indices.Select(a => Partner(a, rng))];
        int size = images.Length, e = _model.EmbeddingSize;
        if (_input?.Batch != size) (_input, _gradient) = (new Tensor([size, .. _train.SampleShape]), null);
        var labels = new int[size];
        _train.FillBatch(images, _input, labels);
        Tensor output = _model.Trunk.Forward(_input);
        // ProxyNCA's proxies join the batch as rows after its images, on the unit sphere.
        ProxyNcaBatchLoss? proxyLoss = _loss as ProxyNcaBatchLoss;
        int proxies = proxyLoss?.Classes.Length ?? 0, rows = size + proxies;
        float[] embeddings = proxyLoss is null ? output.Data : [.. output.Data, .. UnitRows(proxyLoss.Proxies.Value, e)];
        int[] rowLabels = proxyLoss is null ? labels : [.. labels, .. proxyLoss.Classes];
        long distanceStart = System.Diagnostics.Stopwatch.GetTimestamp();
        double[] distances = BatchDistances(embeddings, rows);
        _distanceTicks += System.Diagnostics.Stopwatch.GetTimestamp() - distanceStart;
        var slopes = new double[rows * rows];
        // The loss adds its own parameters' gradients; a forward-only step puts them back.
        float[][] kept = learn ? [] : [.. _loss.Parameters.Select(p => p.Gradient.ToArray())];
        double loss = _loss.Loss(distances, rowLabels, slopes, rng);
        if (!learn)
        {
            for (int k = 0; k < kept.Length; k++) kept[k].CopyTo(_loss.Parameters[k].Gradient, 0);
            return loss;
        }
        // Each pair's distance once, with the upstream of both its entries.
        var pairs = new List<(int I, int J, double Upstream)>();
        for (int i = 0; i < rows; i++)
            for (int j = i + 1; j < rows; j++)
                if (slopes[i * rows + j] + slopes[j * rows + i] is var upstream && upstream != 0) pairs.Add((i, j, upstream));
        var rowGradients = new float[rows * e];
        if (pairs.Count > 0)
        {
            float[] u = new float[pairs.Count * e], v = new float[pairs.Count * e], gu = new float[u.Length], gv = new float[v.Length];
            for (int p = 0; p < pairs.Count; p++)
            {
                embeddings.AsSpan(pairs[p].I * e, e).CopyTo(u.AsSpan(p * e));
                embeddings.AsSpan(pairs[p].J * e, e).CopyTo(v.AsSpan(p * e));
            }
            distanceStart = System.Diagnostics.Stopwatch.GetTimestamp();
            _model.Distances(u, v, new double[pairs.Count], [.. pairs.Select(p => p.Upstream)], gu, gv);
            _distanceTicks += System.Diagnostics.Stopwatch.GetTimestamp() - distanceStart;
            for (int p = 0; p < pairs.Count; p++)
            {
                Span<float> gi = rowGradients.AsSpan(pairs[p].I * e, e), gj = rowGradients.AsSpan(pairs[p].J * e, e);
                System.Numerics.Tensors.TensorPrimitives.Add(gi, gu.AsSpan(p * e, e), gi);
                System.Numerics.Tensors.TensorPrimitives.Add(gj, gv.AsSpan(p * e, e), gj);
            }
        }
        _gradient ??= new Tensor(output.Shape);
        rowGradients.AsSpan(0, size * e).CopyTo(_gradient.Data);
        _model.Trunk.Backward(_gradient);
        if (proxyLoss is not null) AddThroughNormalisation(proxyLoss.Proxies, rowGradients.AsSpan(size * e), e);
        return loss;
    }

    /// <summary>Each row of values [rows, length] scaled to unit length.</summary>
    private static float[] UnitRows(float[] values, int length)
    {
        var unit = new float[values.Length];
        for (int r = 0; r < values.Length / length; r++)
        {
            float norm = Math.Max(System.Numerics.Tensors.TensorPrimitives.Norm(values.AsSpan(r * length, length)), 1e-12f);
            System.Numerics.Tensors.TensorPrimitives.Divide(values.AsSpan(r * length, length), norm, unit.AsSpan(r * length, length));
        }
        return unit;
    }

    /// <summary>Adds to parameter's gradient the gradient of its rows, given that of their unit
    /// versions: (g - y (y . g)) / |x| (as the L2Normalize layer).</summary>
    private static void AddThroughNormalisation(Parameter parameter, ReadOnlySpan<float> unitGradient, int length)
    {
        float[] unit = UnitRows(parameter.Value, length);
        for (int r = 0; r < unit.Length / length; r++)
        {
            ReadOnlySpan<float> y = unit.AsSpan(r * length, length), g = unitGradient.Slice(r * length, length);
            float norm = Math.Max(System.Numerics.Tensors.TensorPrimitives.Norm(parameter.Value.AsSpan(r * length, length)), 1e-12f);
            float along = System.Numerics.Tensors.TensorPrimitives.Dot(y, g);
            for (int i = 0; i < length; i++) parameter.Gradient[r * length + i] += (g[i] - y[i] * along) / norm;
        }
    }

    /// <inheritdoc/>
    public double[] Evaluate()
    {
        float[] embeddings = _model.Embed(_valid.Pixels);
        float[] matrix = _model.Metric.Matrix(embeddings);
        (double[] recall, double map) = RetrievalMetrics.Compute(matrix, _valid.Labels.ToArray(), [1]);
        return [recall[0], map];
    }

    /// <inheritdoc/>
    public void SaveModel(string path, IReadOnlyDictionary<string, string> metadata)
    {
        var all = new Dictionary<string, string>(metadata) { ["loss"] = _lossName };
        foreach (Parameter p in _loss.Parameters) all[p.Name] = string.Join(",", p.Value.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        _model.Save(path, all);
    }

    /// <summary>The batch's distance matrix [size x size] from its embeddings.</summary>
    private double[] BatchDistances(float[] rows, int size)
    {
        int e = _model.EmbeddingSize, count = size * (size - 1) / 2;
        float[] u = new float[count * e], v = new float[count * e];
        int k = 0;
        for (int i = 0; i < size; i++)
            for (int j = i + 1; j < size; j++, k++)
            {
                rows.AsSpan(i * e, e).CopyTo(u.AsSpan(k * e));
                rows.AsSpan(j * e, e).CopyTo(v.AsSpan(k * e));
            }
        var d = new double[count];
        _model.Distances(u, v, d);
        var matrix = new double[size * size];
        k = 0;
        for (int i = 0; i < size; i++)
            for (int j = i + 1; j < size; j++, k++) matrix[i * size + j] = matrix[j * size + i] = d[k];
        return matrix;
    }

    /// <summary>Another training image of anchor's class (the anchor itself when its class has one image).</summary>
    private int Partner(int anchor, Random rng)
    {
        int[] own = _byClass[_classOf[_trainLabels[anchor]]];
        if (own.Length < 2) return anchor;
        int partner;
        do partner = own[rng.Next(own.Length)]; while (partner == anchor);
        return partner;
    }
}
