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

/// <summary>Training on a Wasserstein coreset (WCRAIG, Dou et al. 2022 Algorithm 1): a weighted
/// subset of the training images chosen by facility location under the model's distance.</summary>
public sealed record CoresetOptions
{
    /// <summary>The share of each class's images kept (0, 1].</summary>
    public double Fraction { get; init; } = 0.3;
    /// <summary>Epochs between selections; the first is made before epoch 1.</summary>
    public int Reselect { get; init; } = 2;
    /// <summary>Each class is split at random into chunks of at most this many images, each
    /// chosen from alone (its budget the same share), so that selection costs chunk^2 per
    /// chunk rather than class^2.</summary>
    public int Chunk { get; init; } = 500;
    /// <summary>How a distance becomes a similarity.</summary>
    public CoresetSimilarity Similarity { get; init; } = CoresetSimilarity.Reciprocal;
    /// <summary>Facility location (WCRAIG), or a uniform random subset of the same size per
    /// chunk, each member standing for an equal share of its chunk: the control that tells
    /// what the selection adds beyond training on fewer images.</summary>
    public CoresetSelection Selection { get; init; } = CoresetSelection.FacilityLocation;

    /// <summary>Refuses options out of range, naming the option.</summary>
    public void Validate()
    {
        if (!(Fraction > 0 && Fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(Fraction), Fraction, "Fraction must be in (0, 1].");
        if (Reselect < 1) throw new ArgumentOutOfRangeException(nameof(Reselect), Reselect, "Reselect must be at least 1 epoch.");
        if (Chunk < 2) throw new ArgumentOutOfRangeException(nameof(Chunk), Chunk, "Chunk must be at least 2 images.");
        if (!Enum.IsDefined(Similarity)) throw new ArgumentOutOfRangeException(nameof(Similarity), Similarity, "Unknown similarity.");
        if (!Enum.IsDefined(Selection)) throw new ArgumentOutOfRangeException(nameof(Selection), Selection, "Unknown selection.");
    }
}

/// <summary>How a coreset is chosen from each chunk of a class.</summary>
public enum CoresetSelection
{
    /// <summary>Greedy facility location under the model's distance (WCRAIG).</summary>
    FacilityLocation,
    /// <summary>A uniform random subset of the same size (the control).</summary>
    Random,
}

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
    private readonly Layers.L2Normalize _normalize = new(); // the proxies' scaling, forward and backward
    private long _distanceTicks; // time in the distances (forward and reverse) of the current batch
    private readonly CoresetOptions? _coreset;
    private readonly int _coresetSize;
    private int[] _members = [];       // the coreset's training images, read from _coresetState
    private double[] _cumulative = []; // their weights, summed in order (for the weighted draw)
    private double _coresetSeconds;    // the last selection's time, reported once
    // The coreset itself, as the checkpoint keeps it (members then weights, as floats: exact
    // below 2^24), so that a resumed run trains on the subset the interrupted one chose.
    private readonly float[] _coresetState = [];

    /// <summary>The task of training model with loss (named lossName in the files) on train,
    /// evaluated by retrieval on valid; seed draws the partners and the sampling.</summary>
    /// <exception cref="ArgumentException">A training set where no class has two images, or
    /// fewer than two validation images.</exception>
    /// <remarks>With coreset, each epoch runs over a weighted subset of the training images
    /// (<see cref="CoresetOptions"/>): batches draw its members with probability proportional to
    /// their weights, so the expected gradient is CRAIG's weighted one, and an epoch costs the
    /// subset's size.</remarks>
    public MetricLearningTask(WassersteinEmbedding model, BatchMetricLoss loss, string lossName, LabelledImages train, LabelledImages valid, int seed, CoresetOptions? coreset = null)
    {
        coreset?.Validate();
        _coreset = coreset;
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
        if (coreset is not null)
        {
            _coresetSize = _byClass.Sum(members => members.Chunk(coreset.Chunk).Sum(chunk => Budget(chunk.Length, coreset.Fraction)));
            _coresetState = new float[2 * _coresetSize];
            EvaluationMetrics = [.. EvaluationMetrics, "coreset_seconds"];
        }
    }

    /// <summary>A chunk's share of the coreset: at least one image.</summary>
    private static int Budget(int images, double fraction) => Math.Max(1, (int)Math.Round(fraction * images));

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public IReadOnlyList<(string Name, int[] Shape, float[] Data)> NamedParameters() =>
        [.. SafeTensors.NamedParameters(_model.Trunk), .. _loss.Parameters.Select(p => (p.Name, p.Shape, p.Value)),
            .. _coreset is null ? [] : (IEnumerable<(string, int[], float[])>)[("coreset", [2, _coresetSize], _coresetState)]];
    /// <inheritdoc/>
    public int Examples => _coreset is null ? _train.Count : _coresetSize;
    /// <inheritdoc/>
    public IReadOnlyList<string> TrainMetrics { get; } = ["train_loss", "train_distance_share"];
    /// <inheritdoc/>
    public IReadOnlyList<string> EvaluationMetrics { get; } = ["valid_recall_at_1", "valid_map_at_r"];

    /// <summary>The coreset's training images, as last chosen (empty without a coreset).</summary>
    public IReadOnlyList<int> CoresetMembers => _members;

    /// <summary>The images each member stands for (its weight), in the order of CoresetMembers.</summary>
    internal IEnumerable<double> CoresetWeights => _coresetState[_coresetSize..].Select(w => (double)w);
    /// <inheritdoc/>
    public (string Name, bool HigherIsBetter) Monitor => ("valid_recall_at_1", true);

    /// <inheritdoc/>
    public string Settings => string.Join("\n", [.. _model.Describe().Select(p => $"{p.Key}={p.Value}"),
        $"loss={_lossName}", $"seed={_seed}", $"training images={_train.Count}", $"validation images={_valid.Count}",
        _coreset is null ? "coreset=none" : $"coreset={_coreset.Fraction:R} every {_coreset.Reselect} epochs, chunks of {_coreset.Chunk}, {_coreset.Similarity}, {_coreset.Selection}"]);

    /// <inheritdoc/>
    public void BeginEpoch(int epoch)
    {
        if (_coreset is null) return;
        if (epoch % _coreset.Reselect != 0)
        {
            // Between selections: the subset in use, or the one a restored checkpoint holds.
            if (_members.Length == 0 && _coresetState[_coresetSize..].Any(w => w > 0)) UseCoreset();
            if (_members.Length > 0) return;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The chunks are drawn from the seed and the epoch alone, so a resumed run chooses the same.
        var rng = new Random(EmbeddingTask.Mix(_seed, [epoch, -1]));
        bool random = _coreset.Selection == CoresetSelection.Random;
        float[] embeddings = random ? [] : _model.Embed(_train.Pixels);
        int e = _model.EmbeddingSize;
        var members = new List<int>(_coresetSize);
        var weights = new List<int>(_coresetSize);
        foreach (int[] ofClass in _byClass)
        {
            int[] order = [.. ofClass];
            rng.Shuffle(order);
            foreach (int[] chunk in order.Chunk(_coreset.Chunk))
            {
                int budget = Budget(chunk.Length, _coreset.Fraction);
                if (random)
                {
                    // The chunk is already in random order: its first images, weights spread evenly.
                    members.AddRange(chunk[..budget]);
                    weights.AddRange(Enumerable.Range(0, budget).Select(k => chunk.Length / budget + (k < chunk.Length % budget ? 1 : 0)));
                    continue;
                }
                var rows = new float[chunk.Length * e];
                for (int k = 0; k < chunk.Length; k++) embeddings.AsSpan(chunk[k] * e, e).CopyTo(rows.AsSpan(k * e));
                FacilityLocation chosen = FacilityLocation.Select(_model.Metric.Matrix(rows), chunk.Length, budget, _coreset.Similarity);
                members.AddRange(chosen.Selected.Select(k => chunk[k]));
                weights.AddRange(chosen.Weights);
            }
        }
        for (int k = 0; k < _coresetSize; k++) (_coresetState[k], _coresetState[_coresetSize + k]) = (members[k], weights[k]);
        UseCoreset();
        _coresetSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>Draws from the coreset _coresetState holds (chosen now, or restored).</summary>
    private void UseCoreset()
    {
        _members = [.. _coresetState[.._coresetSize].Select(v => (int)v)];
        _cumulative = new double[_coresetSize];
        for (int k = 0; k < _coresetSize; k++) _cumulative[k] = (k == 0 ? 0 : _cumulative[k - 1]) + _coresetState[_coresetSize + k];
    }

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
        if (_coreset is not null)
        {
            if (_members.Length == 0) BeginEpoch(0);
            // Each anchor a coreset member drawn with probability proportional to its weight.
            indices = [.. indices.Select(_ => _members[Drawn(rng.NextDouble() * _cumulative[^1])])];
        }
        int[] images = [.. indices, .. indices.Select(a => Partner(a, rng))];
        int size = images.Length, e = _model.EmbeddingSize;
        if (_input?.Batch != size) (_input, _gradient) = (new Tensor([size, .. _train.SampleShape]), null);
        var labels = new int[size];
        _train.FillBatch(images, _input, labels);
        Tensor output = _model.Trunk.Forward(_input);
        // A loss's proxies (ProxyNCA) join the batch as rows after its images, on the unit sphere.
        Parameter? proxies = _loss.Proxies;
        int rows = size + _loss.ProxyLabels.Count;
        Tensor? proxyInput = null, unitProxies = null;
        if (proxies is not null)
        {
            proxyInput = new Tensor(proxies.Shape);
            proxies.Value.CopyTo(proxyInput.Data, 0);
            unitProxies = new Tensor(proxies.Shape);
            _normalize.Forward(proxyInput, unitProxies);
        }
        float[] embeddings = unitProxies is null ? output.Data : [.. output.Data, .. unitProxies.Data];
        int[] rowLabels = [.. labels, .. _loss.ProxyLabels];
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
        if (proxies is not null)
        {
            var unitGradient = new Tensor(proxies.Shape);
            rowGradients.AsSpan(size * e).CopyTo(unitGradient.Data);
            var proxyGradient = new Tensor(proxies.Shape);
            _normalize.Backward(proxyInput!, unitProxies!, unitGradient, proxyGradient);
            System.Numerics.Tensors.TensorPrimitives.Add(proxies.Gradient, proxyGradient.Data, proxies.Gradient);
        }
        return loss;
    }

    /// <inheritdoc/>
    public double[] Evaluate()
    {
        float[] embeddings = _model.Embed(_valid.Pixels);
        float[] matrix = _model.Metric.Matrix(embeddings);
        (double[] recall, double map) = RetrievalMetrics.Compute(matrix, _valid.Labels.ToArray(), [1]);
        if (_coreset is null) return [recall[0], map];
        double seconds = _coresetSeconds;
        _coresetSeconds = 0;
        return [recall[0], map, seconds];
    }

    /// <inheritdoc/>
    public void SaveModel(string path, IReadOnlyDictionary<string, string> metadata)
    {
        var all = new Dictionary<string, string>(metadata) { ["loss"] = _lossName };
        foreach (Parameter p in _loss.Parameters) all[p.Name] = string.Join(",", p.Value.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        _model.Save(path, all);
    }

    /// <summary>The batch's distance matrix [size x size] from its embeddings, all pairs in one call.</summary>
    private double[] BatchDistances(float[] rows, int size)
    {
        var matrix = new double[size * size];
        PairwiseDistances.EachPair(rows, _model.EmbeddingSize, (_, _, u, v, d) => _model.Distances(u, v, d),
            (i, j, d) => matrix[i * size + j] = matrix[j * size + i] = d, blockPairs: Math.Max(1, size * (size - 1) / 2));
        return matrix;
    }

    /// <summary>The member whose span of the cumulative weights holds target in [0, total):
    /// the first whose cumulative weight exceeds it.</summary>
    private int Drawn(double target)
    {
        int at = Array.BinarySearch(_cumulative, target);
        return Math.Min(_cumulative.Length - 1, at < 0 ? ~at : at + 1);
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
