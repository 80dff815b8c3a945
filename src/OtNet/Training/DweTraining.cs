// Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018, section 4.1) as a task of the
// one training loop: pairs (x1, x2, y = W2^2(x1, x2)) in a Siamese pass through phi, the loss
// of eq. 2 (Losses/DweLoss), the validation loss after every epoch as the monitored metric.
// The authors' settings are DweTraining.DefaultOptions: Adam at 1e-3, batches of 100, early
// stopping with patience 3, the best validation model kept. Both images of a batch's pairs
// go through the encoder as one batch of 2B; dL/dphi collects the distance term and the
// decoder's gradient.
using System.Globalization;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;

namespace OtNet.Training;

/// <summary>Deep Wasserstein Embedding on W2^2 pairs as a task of <see cref="Trainer"/>.</summary>
public sealed class DweTask : ITrainingTask
{
    private readonly DeepWassersteinEmbedding _model;
    private readonly float[] _histograms;
    private readonly W2Pairs _train, _valid;
    private readonly DweLossWeights _weights;
    private readonly int _evaluationBatch;
    private PairBatch? _batch;

    /// <summary>The task of training model on train, validated on valid.</summary>
    /// <param name="model">The encoder phi and decoder psi.</param>
    /// <param name="histograms">Every image the pairs index, [images, H W].</param>
    /// <param name="train">The training pairs.</param>
    /// <param name="valid">The validation pairs (the monitored valid_loss).</param>
    /// <param name="weights">The loss weights of eq. 2.</param>
    /// <param name="evaluationBatch">Pairs per batch of the validation pass.</param>
    public DweTask(DeepWassersteinEmbedding model, float[] histograms, W2Pairs train, W2Pairs valid, DweLossWeights weights, int evaluationBatch = 100)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(histograms);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        ArgumentNullException.ThrowIfNull(weights);
        weights.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(evaluationBatch, 1);
        if (valid.Count == 0) throw new ArgumentException("Training needs at least one validation pair.", nameof(valid));
        (_model, _histograms, _train, _valid, _weights, _evaluationBatch) = (model, histograms, train, valid, weights, evaluationBatch);
        Parameters = model.Parameters.ToList();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public IReadOnlyList<(string Name, int[] Shape, float[] Data)> NamedParameters() => _model.NamedParameters();
    /// <inheritdoc/>
    public int Examples => _train.Count;
    /// <inheritdoc/>
    public IReadOnlyList<string> TrainMetrics { get; } = ["train_loss", "train_distance_mse"];
    /// <inheritdoc/>
    public IReadOnlyList<string> EvaluationMetrics { get; } = ["valid_loss", "valid_distance_mse"];
    /// <inheritdoc/>
    public (string Name, bool HigherIsBetter) Monitor => ("valid_loss", false);

    /// <inheritdoc/>
    public string Settings => string.Join("\n",
        $"KL weight={_weights.KlWeight.ToString("R", CultureInfo.InvariantCulture)}",
        $"sparsity weight={_weights.SparsityWeight.ToString("R", CultureInfo.InvariantCulture)}",
        $"training pairs={_train.Count}", $"validation pairs={_valid.Count}");

    /// <inheritdoc/>
    public double[] TrainBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (_batch?.Size != indices.Length) _batch = new PairBatch(_model, indices.Length);
        (double loss, double distance) = _batch.Run(_histograms, _train, indices, _weights, learn: true);
        return [loss, distance];
    }

    /// <inheritdoc/>
    public double[] Evaluate()
    {
        (double loss, double distance) = DweTraining.Evaluate(_model, _histograms, _valid, _weights, _evaluationBatch);
        return [loss, distance];
    }

    /// <inheritdoc/>
    public void SaveModel(string path, IReadOnlyDictionary<string, string> metadata) => _model.Save(path, metadata);

    /// <summary>The tensors of one batch of pairs and its forward (and backward) pass.</summary>
    internal sealed class PairBatch(DeepWassersteinEmbedding model, int size)
    {
        private readonly Tensor _input = new(2 * size, 1, model.Height, model.Width), _targets = new(2 * size, model.Pixels);
        private readonly Tensor _embeddingGradient = new(2 * size, model.EmbeddingSize), _decoderInputGradient = new(2 * size, model.EmbeddingSize);
        private readonly Tensor _logitGradient = new(2 * size, model.Pixels);
        private readonly double[] _distances = new double[size];

        public int Size => size;

        /// <summary>Loss and distance MSE of the pairs at indices; with learn, adds the
        /// gradients to the parameters (the caller steps the optimiser).</summary>
        public (double Loss, double DistanceMse) Run(float[] histograms, W2Pairs pairs, int[] indices, DweLossWeights weights, bool learn)
        {
            int p = model.Pixels;
            for (int b = 0; b < size; b++)
            {
                int pair = indices[b];
                _distances[b] = pairs.Distances[pair];
                for (int side = 0; side < 2; side++)
                {
                    int image = side == 0 ? pairs.First[pair] : pairs.Second[pair];
                    ReadOnlySpan<float> histogram = histograms.AsSpan(image * p, p);
                    histogram.CopyTo(_targets.Sample(side * size + b));
                    model.EncoderInput(histogram, _input.Sample(side * size + b));
                }
            }
            Tensor z = model.Encoder.Forward(_input);
            Tensor logits = model.Decoder.Forward(z);
            (double loss, double distance) = DweLoss.Evaluate(z, logits, _targets, _distances, weights,
                learn ? _embeddingGradient : null, learn ? _logitGradient : null);
            if (!learn) return (loss, distance);
            model.Decoder.Backward(_logitGradient, _decoderInputGradient);
            System.Numerics.Tensors.TensorPrimitives.Add(_embeddingGradient.Span, _decoderInputGradient.Span, _embeddingGradient.Span);
            model.Encoder.Backward(_embeddingGradient);
            return (loss, distance);
        }
    }
}

/// <summary>Deep Wasserstein Embedding's defaults and its evaluations outside the loop.</summary>
public static class DweTraining
{
    /// <summary>The authors' settings: Adam at 1e-3, batches of 100, at most 100 epochs with
    /// early stopping (patience 3) on the validation loss, the best model kept.</summary>
    public static TrainingOptions DefaultOptions { get; } = new()
    {
        MaxEpochs = 100, BatchSize = 100, LearningRate = 1e-3, Patience = 3, Keep = ModelSelection.Best,
    };

    /// <summary>The loss of eq. 2 and its distance term on the pairs at indices, with the
    /// gradients added to the parameters' Gradient (for custom loops and the tests).</summary>
    public static (double Loss, double DistanceMse) LossAndGradients(DeepWassersteinEmbedding model, float[] histograms, W2Pairs pairs, int[] indices,
        DweLossWeights weights)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return new DweTask.PairBatch(model, indices.Length).Run(histograms, pairs, indices, weights, learn: true);
    }

    /// <summary>The mean loss of eq. 2 and its distance term over pairs (forward only), in
    /// batches of batchSize pairs.</summary>
    public static (double Loss, double DistanceMse) Evaluate(DeepWassersteinEmbedding model, float[] histograms, W2Pairs pairs, DweLossWeights weights, int batchSize = 100)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var batch = new DweTask.PairBatch(model, Math.Min(batchSize, Math.Max(pairs.Count, 1)));
        double loss = 0, distance = 0;
        for (int start = 0; start < pairs.Count; start += batchSize)
        {
            int length = Math.Min(batchSize, pairs.Count - start);
            if (length != batch.Size) batch = new DweTask.PairBatch(model, length);
            (double l, double d) = batch.Run(histograms, pairs, Enumerable.Range(start, length).ToArray(), weights, learn: false);
            loss += l * length;
            distance += d * length;
        }
        return (loss / pairs.Count, distance / pairs.Count);
    }

    /// <summary>The embedding's |phi(x1) - phi(x2)|^2 for each pair; every image is embedded once.</summary>
    public static double[] PredictedDistances(DeepWassersteinEmbedding model, float[] histograms, W2Pairs pairs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(histograms);
        ArgumentNullException.ThrowIfNull(pairs);
        int[] used = pairs.First.Concat(pairs.Second).Distinct().Order().ToArray();
        var slot = new Dictionary<int, int>(used.Length);
        var chosen = new float[used.Length * model.Pixels];
        for (int u = 0; u < used.Length; u++)
        {
            slot[used[u]] = u;
            histograms.AsSpan(used[u] * model.Pixels, model.Pixels).CopyTo(chosen.AsSpan(u * model.Pixels));
        }
        float[] z = model.Embed(chosen);
        int e = model.EmbeddingSize;
        var result = new double[pairs.Count];
        for (int k = 0; k < pairs.Count; k++)
            result[k] = DweLoss.SquaredDistance(z.AsSpan(slot[pairs.First[k]] * e, e), z.AsSpan(slot[pairs.Second[k]] * e, e));
        return result;
    }
}
