// Entropic Wasserstein embeddings of labelled images (Frogner et al. 2019, as the synthesis
// trains them on MNIST) as a task of the one training loop: each anchor of a mini-batch is
// paired with an image of its own class (r = 1) or of another (r = 0), alternately, so every
// batch is balanced; both images go through the trunk as one batch of 2B; the contrastive
// loss r d^2 + (1 - r) max(0, m - d)^2 (or its unsquared form) of the embeddings' distance d
// is differentiated through the Sinkhorn iterations (WassersteinEmbedding.Distances). With
// hard negatives, each dissimilar pair's partner is instead the batch image of another class
// nearest its anchor under the current model (batch-hard mining, Hermans et al. 2017): the
// pairs that still violate the margin, where random ones mostly already do not. After
// every epoch: the loss and the mean positive and negative distances on fixed validation
// pairs (the synthesis' Fig. 1), and the kNN accuracy of the validation images against the
// training images, the monitored metric.
using OtNet.Analysis;
using OtNet.Data;
using OtNet.IO;
using OtNet.Losses;
using OtNet.Models;

namespace OtNet.Training;

/// <summary>The contrastive loss's margin and form, and the kNN of the evaluation.</summary>
public sealed record ContrastiveOptions
{
    /// <summary>m: dissimilar pairs pay until their distance reaches it.</summary>
    public double Margin { get; init; } = 1;
    /// <summary>Squared (r d^2 + (1 - r) max(0, m - d)^2) or plain.</summary>
    public ContrastiveForm Form { get; init; } = ContrastiveForm.Squared;
    /// <summary>Neighbours of the kNN accuracy.</summary>
    public int Neighbours { get; init; } = 5;
    /// <summary>Validation pairs of the loss and the mean distances (half similar).</summary>
    public int ValidationPairs { get; init; } = 2000;
    /// <summary>The seed of the partners drawn for each batch and of the validation pairs.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Each dissimilar pair's partner is the batch image of another class nearest the
    /// anchor (the hardest negative of the batch) rather than the one drawn.</summary>
    public bool HardNegatives { get; init; }

    /// <summary>Training images are moved by up to this many pixels in each direction (zeros
    /// fill in), drawn per image and batch: the usual augmentation of MNIST networks. 0: none.</summary>
    public int Shift { get; init; }

    /// <summary>Refuses options out of range, naming the option.</summary>
    public void Validate()
    {
        if (!(Margin > 0) || double.IsInfinity(Margin)) throw new ArgumentOutOfRangeException(nameof(Margin), Margin, "Margin must be positive and finite.");
        if (!Enum.IsDefined(Form)) throw new ArgumentOutOfRangeException(nameof(Form), Form, "Form must be Squared or Plain.");
        if (Neighbours < 1) throw new ArgumentOutOfRangeException(nameof(Neighbours), Neighbours, "Neighbours must be at least 1.");
        if (ValidationPairs < 2) throw new ArgumentOutOfRangeException(nameof(ValidationPairs), ValidationPairs, "ValidationPairs must be at least 2.");
        if (Shift is < 0 or > 8) throw new ArgumentOutOfRangeException(nameof(Shift), Shift, "Shift must be in 0..8 pixels.");
    }
}

/// <summary>A Wasserstein (or Euclidean) embedding trained by contrastive pairs, as a task of <see cref="Trainer"/>.</summary>
public sealed class EmbeddingTask : ITrainingTask
{
    private readonly WassersteinEmbedding _model;
    private readonly LabelledImages _train, _valid;
    private readonly ContrastiveOptions _options;
    private readonly int[][] _byClass;
    private readonly int[] _trainLabels, _validLabels;
    private readonly (int[] First, int[] Second, bool[] Similar) _validationPairs;
    private Tensor? _input, _gradient; // a batch's images and dLoss/doutput, made once per batch size

    /// <summary>The task of training model on train (images [1, 28, 28] in [0, 1]),
    /// evaluated on valid.</summary>
    public EmbeddingTask(WassersteinEmbedding model, LabelledImages train, LabelledImages valid, ContrastiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (_model, _train, _valid, _options) = (model, train, valid, options);
        _trainLabels = Labels(train);
        _validLabels = Labels(valid);
        _byClass = _trainLabels.Distinct().Order().Select(c => Enumerable.Range(0, train.Count).Where(i => _trainLabels[i] == c).ToArray()).ToArray();
        if (_byClass.Length < 2) throw new ArgumentException("Contrastive pairs need at least two classes in the training images.", nameof(train));
        if (valid.Count < 2 || _validLabels.Distinct().Count() < 2) throw new ArgumentException("The validation images need two classes.", nameof(valid));
        _validationPairs = DrawPairs(Enumerable.Range(0, options.ValidationPairs).Select(k => k % valid.Count).ToArray(), _validLabels,
            _validLabels.Distinct().Order().Select(c => Enumerable.Range(0, valid.Count).Where(i => _validLabels[i] == c).ToArray()).ToArray(),
            new Random(options.Seed));
        Parameters = model.Trunk.Parameters.ToList();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public IReadOnlyList<(string Name, int[] Shape, float[] Data)> NamedParameters() => SafeTensors.NamedParameters(_model.Trunk);
    /// <inheritdoc/>
    public int Examples => _train.Count;
    /// <inheritdoc/>
    public IReadOnlyList<string> TrainMetrics { get; } = ["train_loss", "train_positive_distance", "train_negative_distance"];
    /// <inheritdoc/>
    public IReadOnlyList<string> EvaluationMetrics { get; } = ["valid_loss", "valid_positive_distance", "valid_negative_distance", "valid_knn_accuracy"];
    /// <inheritdoc/>
    public (string Name, bool HigherIsBetter) Monitor => ("valid_knn_accuracy", true);

    /// <inheritdoc/>
    public string Settings => string.Join("\n", [.. _model.Describe().Select(p => $"{p.Key}={p.Value}"),
        $"margin={_options.Margin:R}", $"form={_options.Form}", $"neighbours={_options.Neighbours}", $"pair seed={_options.Seed}", $"shift={_options.Shift}", $"hard negatives={_options.HardNegatives}",
        $"training images={_train.Count}", $"validation images={_valid.Count}"]);

    /// <inheritdoc/>
    public double[] TrainBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        // The partners depend on the batch and the seed alone, so a resumed run draws the same.
        var rng = new Random(Mix(_options.Seed, indices));
        (int[] first, int[] second, bool[] similar) = DrawPairs(indices, _trainLabels, _byClass, rng);
        return Step(_train, first, second, similar, learn: true, _options.Shift > 0 ? rng : null, _options.HardNegatives);
    }

    /// <summary>The batch loss TrainBatch(indices) would step on, forward only (for checks).</summary>
    internal double LossOf(int[] indices)
    {
        var rng = new Random(Mix(_options.Seed, indices));
        (int[] first, int[] second, bool[] similar) = DrawPairs(indices, _trainLabels, _byClass, rng);
        return Step(_train, first, second, similar, learn: false, _options.Shift > 0 ? rng : null, _options.HardNegatives)[0];
    }

    /// <inheritdoc/>
    public double[] Evaluate()
    {
        double[] pairs = new double[3];
        var (first, second, similar) = _validationPairs;
        const int batch = 500;
        for (int start = 0; start < first.Length; start += batch)
        {
            int length = Math.Min(batch, first.Length - start);
            double[] values = Step(_valid, first[start..(start + length)], second[start..(start + length)], similar[start..(start + length)], learn: false);
            for (int k = 0; k < 3; k++) pairs[k] += values[k] * length;
        }
        for (int k = 0; k < 3; k++) pairs[k] /= first.Length;
        float[] reference = _model.Embed(_train.Pixels), queries = _model.Embed(_valid.Pixels);
        int[] predicted = NearestNeighbours.Classify(reference, _trainLabels, queries, _model.EmbeddingSize, _options.Neighbours);
        double accuracy = predicted.Zip(_validLabels, (p, l) => p == l ? 1.0 : 0).Average();
        return [.. pairs, accuracy];
    }

    /// <inheritdoc/>
    public void SaveModel(string path, IReadOnlyDictionary<string, string> metadata) => _model.Save(path, metadata);

    /// <summary>The loss and the mean distances of similar and dissimilar pairs; with learn,
    /// the gradients are added to the trunk's parameters. With mine, dissimilar pairs take the
    /// batch's hardest negative as partner.</summary>
    private double[] Step(LabelledImages images, int[] first, int[] second, bool[] similar, bool learn, Random? shifts = null, bool mine = false)
    {
        int size = first.Length, e = _model.EmbeddingSize;
        if (_input?.Batch != 2 * size) (_input, _gradient) = (new Tensor([2 * size, .. images.SampleShape]), null);
        Tensor input = _input;
        var labels = new int[2 * size];
        images.FillBatch([.. first, .. second], input, labels);
        if (shifts is not null)
            for (int s = 0; s < 2 * size; s++)
                Translate(input.Sample(s), images.SampleShape[1], images.SampleShape[2], shifts.Next(-_options.Shift, _options.Shift + 1), shifts.Next(-_options.Shift, _options.Shift + 1));
        Tensor output = _model.Trunk.Forward(input);
        // Pair p compares output rows p (its anchor) and partner[p]: size + p, its drawn partner,
        // unless mining picks another row.
        int[] partner = mine ? HardestNegatives(output.Data, labels, similar) : Enumerable.Range(size, size).ToArray();
        float[] u = output.Data[..(size * e)], v = new float[size * e];
        for (int p = 0; p < size; p++) output.Data.AsSpan(partner[p] * e, e).CopyTo(v.AsSpan(p * e, e));
        var distances = new double[size];
        var losses = new double[size];
        // One pass gives d and dd/du, dd/dv (unit upstreams); each pair's gradient is then
        // scaled by the loss's slope at its d, over the batch.
        float[] gu = learn ? new float[u.Length] : [], gv = learn ? new float[v.Length] : [];
        if (learn) _model.Distances(u, v, distances, Enumerable.Repeat(1.0, size).ToArray(), gu, gv);
        else _model.Distances(u, v, distances);
        for (int p = 0; p < size; p++)
        {
            (losses[p], double slope) = MetricLosses.ContrastiveTerm(distances[p], similar[p], _options.Margin, _options.Form);
            if (!learn) continue;
            float factor = (float)(slope / size);
            System.Numerics.Tensors.TensorPrimitives.Multiply(gu.AsSpan(p * e, e), factor, gu.AsSpan(p * e, e));
            System.Numerics.Tensors.TensorPrimitives.Multiply(gv.AsSpan(p * e, e), factor, gv.AsSpan(p * e, e));
        }
        if (learn)
        {
            _gradient ??= new Tensor(output.Shape);
            gu.CopyTo(_gradient.Data, 0);
            Array.Clear(_gradient.Data, gu.Length, gv.Length);
            // A row may be the mined partner of several pairs: its gradients add up.
            for (int p = 0; p < size; p++)
                System.Numerics.Tensors.TensorPrimitives.Add(_gradient.Data.AsSpan(partner[p] * e, e), gv.AsSpan(p * e, e), _gradient.Data.AsSpan(partner[p] * e, e));
            _model.Trunk.Backward(_gradient);
        }
        double Mean(bool kind) => similar.Select((s, p) => (s, p)).Where(t => t.s == kind).Select(t => distances[t.p]).DefaultIfEmpty(double.NaN).Average();
        return [losses.Average(), Mean(true), Mean(false)];
    }

    /// <summary>For each pair, the output row of its partner: size + p for similar pairs; for
    /// dissimilar ones the row (of all 2 size) of another class nearest the anchor under the
    /// model's distance, ties to the lower row. Distances only: no gradient flows through the
    /// choice.</summary>
    private int[] HardestNegatives(float[] rows, int[] labels, bool[] similar)
    {
        int size = similar.Length, e = _model.EmbeddingSize;
        var partner = Enumerable.Range(size, size).ToArray();
        var anchors = new List<int>();
        var candidates = new List<int>();
        for (int p = 0; p < size; p++)
            if (!similar[p])
                for (int r = 0; r < 2 * size; r++)
                    if (labels[r] != labels[p]) { anchors.Add(p); candidates.Add(r); }
        var u = new float[anchors.Count * e];
        var v = new float[anchors.Count * e];
        for (int k = 0; k < anchors.Count; k++)
        {
            rows.AsSpan(anchors[k] * e, e).CopyTo(u.AsSpan(k * e, e));
            rows.AsSpan(candidates[k] * e, e).CopyTo(v.AsSpan(k * e, e));
        }
        var distances = new double[anchors.Count];
        _model.Distances(u, v, distances);
        var nearest = new double[size];
        Array.Fill(nearest, double.PositiveInfinity);
        for (int k = 0; k < anchors.Count; k++)
            if (distances[k] < nearest[anchors[k]]) (nearest[anchors[k]], partner[anchors[k]]) = (distances[k], candidates[k]);
        return partner;
    }

    /// <summary>Moves a single-channel image by (dy, dx) pixels in place, zeros filling in.</summary>
    private static void Translate(Span<float> image, int height, int width, int dy, int dx)
    {
        if (dy == 0 && dx == 0) return;
        Span<float> moved = stackalloc float[height * width];
        moved.Clear();
        for (int r = Math.Max(0, dy); r < Math.Min(height, height + dy); r++)
            for (int c = Math.Max(0, dx); c < Math.Min(width, width + dx); c++)
                moved[r * width + c] = image[(r - dy) * width + (c - dx)];
        moved.CopyTo(image);
    }

    /// <summary>Each anchor paired alternately with another image of its class (r = 1) and an
    /// image of another class (r = 0).</summary>
    private static (int[] First, int[] Second, bool[] Similar) DrawPairs(int[] anchors, int[] labels, int[][] byClass, Random rng)
    {
        var second = new int[anchors.Length];
        var similar = new bool[anchors.Length];
        int[] classOf = new int[labels.Max() + 1];
        for (int c = 0; c < byClass.Length; c++) classOf[labels[byClass[c][0]]] = c;
        for (int k = 0; k < anchors.Length; k++)
        {
            int anchor = anchors[k];
            int[] own = byClass[classOf[labels[anchor]]];
            similar[k] = k % 2 == 0 && own.Length > 1;
            if (similar[k])
            {
                int partner;
                do partner = own[rng.Next(own.Length)]; while (partner == anchor);
                second[k] = partner;
            }
            else
            {
                int partner;
                do partner = rng.Next(labels.Length); while (labels[partner] == labels[anchor]);
                second[k] = partner;
            }
        }
        return (anchors, second, similar);
    }

    /// <summary>A seed from the seed and a batch's indices (FNV-1a: the same on every run and
    /// machine, unlike string or HashCode hashing).</summary>
    internal static int Mix(int seed, int[] indices)
    {
        uint hash = 2166136261u ^ (uint)seed;
        foreach (int i in indices) hash = (hash ^ (uint)i) * 16777619u;
        return (int)(hash & int.MaxValue);
    }

    private static int[] Labels(LabelledImages images) => images.Labels.ToArray();
}
