// Training of Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018, eq. 2 and section
// 4.1) on pairs (x1, x2, y = W2^2(x1, x2)), a Siamese pass of both images through phi:
//     L = mean_pairs (|phi(x1) - phi(x2)|^2 - y)^2
//       + wKL mean_pairs [KL(x1 || psi(phi(x1))) + KL(x2 || psi(phi(x2)))]
//       + wS  mean_pairs [sum_pixels sqrt psi(phi(x1)) + sum_pixels sqrt psi(phi(x2))]
// with the authors' wKL = 10, wS = 1e-3, Adam, mini-batches of 100 and early stopping with
// patience 3 on the validation loss (optionally, the rate decays on a plateau). Both
// images of a batch's pairs go through the encoder as one batch of 2B; dL/dphi collects the
// distance term and the decoder's gradient. After every epoch: the validation loss, the best
// model saved (atomically) when it improved, and a checkpoint (weights, Adam's moments,
// history, early-stopping state, learning rate) from which an interrupted run resumes with
// exactly the state it had.
using System.Diagnostics;
using System.Globalization;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;
using OtNet.Optimizers;

namespace OtNet.Training;

/// <summary>How Deep Wasserstein Embedding trains (the authors' defaults).</summary>
public sealed record DweTrainingOptions
{
    /// <summary>The most epochs (early stopping usually ends sooner).</summary>
    public int MaxEpochs { get; init; } = 100;
    /// <summary>Pairs per batch.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>The KL reconstruction term's weight.</summary>
    public double KlWeight { get; init; } = 10;
    /// <summary>The sparsity term's weight.</summary>
    public double SparsityWeight { get; init; } = 1e-3;

    /// <summary>Stop after this many epochs without a better validation loss.</summary>
    public int Patience { get; init; } = 3;

    /// <summary>The learning rate is multiplied by this after every epoch that does not improve
    /// the validation loss (Keras' ReduceLROnPlateau with patience 1). 1, the default, keeps it
    /// constant, as the authors did.</summary>
    public double PlateauDecay { get; init; } = 1;

    /// <summary>The seed of the initialisation and the shuffles.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>checkpoint.safetensors, for resuming; null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Where the model of the best validation loss is written; null for nowhere.</summary>
    public string? BestModelPath { get; init; }

    /// <summary>Refuses options out of range, naming the option.</summary>
    public void Validate()
    {
        if (MaxEpochs < 1) throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, "MaxEpochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive.");
        if (!(KlWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(KlWeight), KlWeight, "KlWeight must be nonnegative.");
        if (!(SparsityWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(SparsityWeight), SparsityWeight, "SparsityWeight must be nonnegative.");
        if (Patience < 1) throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "Patience must be at least 1.");
        if (!(PlateauDecay > 0 && PlateauDecay <= 1)) throw new ArgumentOutOfRangeException(nameof(PlateauDecay), PlateauDecay, "PlateauDecay must be in (0, 1].");
    }
}

/// <summary>One epoch: mean losses (total, and the distance term alone) on the training and
/// validation pairs, its time and the learning rate it ran at.</summary>
public sealed record DweEpoch(int Epoch, double TrainLoss, double TrainDistanceMse, double ValidLoss, double ValidDistanceMse, double Seconds, double LearningRate)
{
    /// <summary>The header of the per-epoch history file.</summary>
    public const string CsvHeader = "epoch,train_loss,train_distance_mse,valid_loss,valid_distance_mse,seconds,learning_rate";

    /// <summary>The fields in CsvHeader's order, each round-tripping (invariant culture, "R"):
    /// a line of history.csv, and an entry of the checkpoint's history.</summary>
    public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
        $"{Epoch},{TrainLoss:R},{TrainDistanceMse:R},{ValidLoss:R},{ValidDistanceMse:R},{Seconds:R},{LearningRate:R}");
}

/// <summary>Trains Deep Wasserstein Embedding on W2^2 pairs with early stopping, resumable from its checkpoint.</summary>
public static class DweTraining
{
    /// <summary>Trains model on train, stopping early on valid. histograms [images, H W]
    /// holds every image the pairs index. Returns the history (of all epochs, resumed ones
    /// included); progress gets a line per 100 batches and per epoch, afterEpoch the history
    /// after each epoch's checkpoint (for files that must survive an interruption).</summary>
    public static List<DweEpoch> Train(DeepWassersteinEmbedding model, float[] histograms, W2Pairs train, W2Pairs valid,
        DweTrainingOptions options, Action<string> progress, Action<IReadOnlyList<DweEpoch>>? afterEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(histograms);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (train.Count < options.BatchSize || valid.Count == 0)
            throw new ArgumentException($"Training needs a full batch of {options.BatchSize} training pairs and a validation pair: {train.Count} and {valid.Count} given.");
        var adam = new Adam(model.Parameters, options.LearningRate);
        var history = new List<DweEpoch>();
        double best = double.PositiveInfinity;
        int firstEpoch = 0, sinceBest = 0;
        string settings = Settings(options, train, valid);
        if (options.CheckpointPath is { } path && File.Exists(path))
        {
            Dictionary<string, string> metadata;
            try
            {
                metadata = Checkpoint.Restore(path, model.NamedParameters(), adam);
                firstEpoch = int.Parse(metadata["epoch"], CultureInfo.InvariantCulture);
                best = double.Parse(metadata["best"], CultureInfo.InvariantCulture);
                sinceBest = int.Parse(metadata["since_best"], CultureInfo.InvariantCulture);
                // Checkpoints written before the plateau decay existed ran at the constant rate.
                if (metadata.TryGetValue("learning_rate", out string? rate)) adam.LearningRate = double.Parse(rate, CultureInfo.InvariantCulture);
                history = ParseHistory(metadata["history"], options.LearningRate);
            }
            catch (Exception e) when (e is InvalidDataException or KeyNotFoundException or FormatException or OverflowException or ArgumentException)
            {
                throw new InvalidDataException($"{path} is damaged or belongs to another model ({e.Message}); delete it to start over "
                    + "(the best model saved so far is kept).", e);
            }
            // A resumed run must be the run that was interrupted: other settings would give a
            // different batch order or loss and a history that mixes two runs.
            if (metadata.TryGetValue("settings", out string? saved) && saved != settings)
                throw new ArgumentException($"{path} was written by a run with other settings ({Differences(saved, settings)}); "
                    + "resume with the checkpoint's settings, or delete it (or write elsewhere) to start over.", nameof(options));
            progress($"resumed from {path} after epoch {firstEpoch} (best validation loss {best:G5}, {sinceBest} epoch(s) since, learning rate {adam.LearningRate:G4})");
        }
        var batch = new PairBatch(model, options.BatchSize);
        for (int epoch = firstEpoch; epoch < options.MaxEpochs && sinceBest < options.Patience; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double lossSum = 0, distanceSum = 0;
            int seen = 0, batches = train.Count / options.BatchSize, done = 0;
            // Full batches only, so the tensors are made once; left-over pairs are seen in
            // other epochs, in another order.
            foreach (int[] indices in MiniBatches.Shuffled(train.Count, options.BatchSize, options.Seed, epoch, dropLast: true))
            {
                (double loss, double distance) = batch.Run(histograms, train, indices, options, learn: true);
                adam.Step();
                lossSum += loss * indices.Length;
                distanceSum += distance * indices.Length;
                seen += indices.Length;
                if (++done % 100 == 0)
                {
                    double rate = seen / clock.Elapsed.TotalSeconds;
                    progress($"epoch {epoch + 1}: {done}/{batches} batches, loss {lossSum / seen:G5} (distance MSE {distanceSum / seen:G5}), "
                             + $"{rate:F0} pairs/s, {(batches * options.BatchSize - seen) / rate:F0} s left in the epoch");
                }
            }
            (double validLoss, double validDistance) = Evaluate(model, histograms, valid, options);
            history.Add(new DweEpoch(epoch + 1, lossSum / seen, distanceSum / seen, validLoss, validDistance, clock.Elapsed.TotalSeconds, adam.LearningRate));
            bool improved = validLoss < best;
            if (improved)
            {
                best = validLoss;
                sinceBest = 0;
                if (options.BestModelPath is { } bestPath)
                    model.Save(bestPath, new Dictionary<string, string> { ["epoch"] = (epoch + 1).ToString(CultureInfo.InvariantCulture), ["valid_loss"] = validLoss.ToString("R", CultureInfo.InvariantCulture) });
            }
            else
            {
                sinceBest++;
                adam.LearningRate *= options.PlateauDecay;
            }
            progress($"epoch {epoch + 1}: train loss {lossSum / seen:G5} (distance MSE {distanceSum / seen:G5}), validation loss {validLoss:G5} "
                     + $"(distance MSE {validDistance:G5}){(improved ? ", best so far" : $", {sinceBest} epoch(s) without improvement")}, {clock.Elapsed.TotalSeconds:F0} s"
                     + (!improved && options.PlateauDecay < 1 ? $"; learning rate now {adam.LearningRate:G4}" : ""));
            if (options.CheckpointPath is { } checkpoint)
                Checkpoint.Save(checkpoint, model.NamedParameters(), adam, new Dictionary<string, string>
                {
                    ["epoch"] = (epoch + 1).ToString(CultureInfo.InvariantCulture),
                    ["best"] = best.ToString("R", CultureInfo.InvariantCulture),
                    ["since_best"] = sinceBest.ToString(CultureInfo.InvariantCulture),
                    ["learning_rate"] = adam.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                    ["history"] = FormatHistory(history),
                    ["settings"] = settings,
                });
            afterEpoch?.Invoke(history);
        }
        return history;
    }

    /// <summary>What a resumed run must share with the run that wrote the checkpoint, as
    /// "name=value" lines. The epoch limit, patience and learning rate may change on resume.</summary>
    private static string Settings(DweTrainingOptions options, W2Pairs train, W2Pairs valid) => string.Join("\n",
        $"batch size={options.BatchSize}", $"seed={options.Seed}",
        $"KL weight={options.KlWeight.ToString("R", CultureInfo.InvariantCulture)}",
        $"sparsity weight={options.SparsityWeight.ToString("R", CultureInfo.InvariantCulture)}",
        $"plateau decay={options.PlateauDecay.ToString("R", CultureInfo.InvariantCulture)}",
        $"training pairs={train.Count}", $"validation pairs={valid.Count}");

    /// <summary>"batch size 100, now 50; seed 1, now 2" for the settings that differ.</summary>
    private static string Differences(string saved, string now)
    {
        Dictionary<string, string> Parse(string text) => text.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Dictionary<string, string> before = Parse(saved), after = Parse(now);
        return string.Join("; ", after.Where(p => !before.TryGetValue(p.Key, out string? v) || v != p.Value)
            .Select(p => $"{p.Key} {(before.TryGetValue(p.Key, out string? v) ? v : "unrecorded")}, now {p.Value}"));
    }

    /// <summary>The loss of eq. 2 and its distance term on the pairs at indices, with the
    /// gradients added to the parameters' Gradient (for custom loops and the tests).</summary>
    public static (double Loss, double DistanceMse) LossAndGradients(DeepWassersteinEmbedding model, float[] histograms, W2Pairs pairs, int[] indices,
        DweTrainingOptions options) => new PairBatch(model, indices.Length).Run(histograms, pairs, indices, options, learn: true);

    /// <summary>The mean loss of eq. 2 and its distance term over pairs (forward only).</summary>
    public static (double Loss, double DistanceMse) Evaluate(DeepWassersteinEmbedding model, float[] histograms, W2Pairs pairs, DweTrainingOptions options)
    {
        var batch = new PairBatch(model, options.BatchSize);
        double loss = 0, distance = 0;
        for (int start = 0; start < pairs.Count; start += options.BatchSize)
        {
            int length = Math.Min(options.BatchSize, pairs.Count - start);
            if (length != batch.Size) batch = new PairBatch(model, length);
            (double l, double d) = batch.Run(histograms, pairs, Enumerable.Range(start, length).ToArray(), options, learn: false);
            loss += l * length;
            distance += d * length;
        }
        return (loss / pairs.Count, distance / pairs.Count);
    }

    /// <summary>The embedding's |phi(x1) - phi(x2)|^2 for each pair; every image is embedded once.</summary>
    public static double[] PredictedDistances(DeepWassersteinEmbedding model, float[] histograms, W2Pairs pairs)
    {
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
            result[k] = SquaredDistance(z.AsSpan(slot[pairs.First[k]] * e, e), z.AsSpan(slot[pairs.Second[k]] * e, e));
        return result;
    }

    /// <summary>|a - b|^2, summed in double.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>The tensors of one batch of pairs and its forward (and backward) pass.</summary>
    private sealed class PairBatch(DeepWassersteinEmbedding model, int size)
    {
        private readonly Tensor _input = new(2 * size, 1, model.Height, model.Width), _targets = new(2 * size, model.Pixels);
        private readonly Tensor _embeddingGradient = new(2 * size, model.EmbeddingSize), _decoderInputGradient = new(2 * size, model.EmbeddingSize);
        private readonly Tensor _logitGradient = new(2 * size, model.Pixels);

        public int Size => size;

        /// <summary>Loss and distance MSE of the pairs at indices; with learn, adds the
        /// gradients to the parameters (the caller steps the optimiser).</summary>
        public (double Loss, double DistanceMse) Run(float[] histograms, W2Pairs pairs, int[] indices, DweTrainingOptions options, bool learn)
        {
            int p = model.Pixels, e = model.EmbeddingSize;
            for (int b = 0; b < size; b++)
            {
                int pair = indices[b];
                for (int side = 0; side < 2; side++)
                {
                    int image = side == 0 ? pairs.First[pair] : pairs.Second[pair];
                    ReadOnlySpan<float> histogram = histograms.AsSpan(image * p, p);
                    histogram.CopyTo(_targets.Sample(side * size + b));
                    model.EncoderInput(histogram, _input.Sample(side * size + b));
                }
            }
            Tensor z = model.Encoder.Forward(_input);
            double distance = 0;
            for (int b = 0; b < size; b++)
            {
                Span<float> z1 = z.Sample(b), z2 = z.Sample(size + b);
                double r = SquaredDistance(z1, z2) - pairs.Distances[indices[b]];
                distance += r * r;
                if (!learn) continue;
                Span<float> g1 = _embeddingGradient.Sample(b), g2 = _embeddingGradient.Sample(size + b);
                double scale = 4 * r / size; // d/dz1 of (|z1 - z2|^2 - y)^2 / B
                for (int i = 0; i < e; i++)
                {
                    float g = (float)(scale * ((double)z1[i] - z2[i]));
                    g1[i] = g;
                    g2[i] = -g;
                }
            }
            distance /= size;
            Tensor logits = model.Decoder.Forward(z);
            // Means over the 2B images; twice them are means over pairs of the two images' terms.
            (double kl, double sparsity) = ReconstructionLoss.FromLogits(logits, _targets, 2 * options.KlWeight, 2 * options.SparsityWeight,
                learn ? _logitGradient : null);
            double loss = distance + 2 * options.KlWeight * kl + 2 * options.SparsityWeight * sparsity;
            if (!learn) return (loss, distance);
            model.Decoder.Backward(_logitGradient, _decoderInputGradient);
            System.Numerics.Tensors.TensorPrimitives.Add(_embeddingGradient.Span, _decoderInputGradient.Span, _embeddingGradient.Span);
            model.Encoder.Backward(_embeddingGradient);
            return (loss, distance);
        }
    }

    private static string FormatHistory(IEnumerable<DweEpoch> history) => string.Join(";", history.Select(h => h.ToCsv()));

    /// <summary>The history of a checkpoint; entries without a learning rate (written before
    /// the plateau decay existed) ran at the constant one.</summary>
    private static List<DweEpoch> ParseHistory(string text, double constantRate) => text.Length == 0 ? [] : text.Split(';').Select(line =>
    {
        double[] f = line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new DweEpoch((int)f[0], f[1], f[2], f[3], f[4], f[5], f.Length > 6 ? f[6] : constantRate);
    }).ToList();
}
