// Supervised training of an image classifier: Adam on softmax cross-entropy, seeded
// mini-batches, a cosine learning-rate schedule over the epochs, test accuracy after every
// epoch, and a checkpoint after every epoch from which an interrupted run resumes (same
// batches, same optimiser state, so a resumed run ends where an uninterrupted one would).
using System.Diagnostics;
using System.Globalization;
using OtNet.Data;
using OtNet.Layers;
using OtNet.Losses;
using OtNet.Optimizers;

namespace OtNet.Training;

/// <summary>How a classifier trains.</summary>
public sealed record ClassifierTrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 4;
    /// <summary>Images per batch.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>The seed of the shuffles.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Where checkpoint.safetensors lives; null for no checkpoints.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Refuses options out of range, naming the option.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive.");
    }
}

/// <summary>One finished epoch: mean training loss and test accuracy.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TestAccuracy, double Seconds)
{
    /// <summary>The header of the history as CSV; <see cref="ToCsvRow"/> writes the rows.</summary>
    public const string CsvHeader = "epoch,train_loss,test_accuracy,seconds";

    /// <summary>This epoch as a CSV row (invariant culture, round-trip precision): the one
    /// format of the history, in history.csv and in checkpoints.</summary>
    public string ToCsvRow() => string.Create(CultureInfo.InvariantCulture, $"{Epoch},{TrainLoss:R},{TestAccuracy:R},{Seconds:R}");
}

/// <summary>Trains an image classifier with Adam and cross-entropy, recording each epoch.</summary>
public static class ClassifierTraining
{
    /// <summary>A small CNN for 28 x 28 digits: conv 32@3x3, pool, conv 64@3x3, pool, dense 128, dense 10.</summary>
    public static Sequential MnistCnn(int seed)
    {
        var rng = new Random(seed);
        return new Sequential([1, 28, 28],
            new Conv2D(1, 32, 3, Padding.Same, rng), new Relu(), new MaxPool2D(2),
            new Conv2D(32, 64, 3, Padding.Same, rng), new Relu(), new MaxPool2D(2),
            new Flatten(), new Dense(64 * 7 * 7, 128, rng), new Relu(), new Dense(128, 10, rng));
    }

    /// <summary>Trains model on train, evaluating on test after each epoch; reports progress.</summary>
    public static List<EpochRecord> Train(Sequential model, LabelledImages train, LabelledImages test, ClassifierTrainingOptions options, Action<string> progress)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        options.Validate();
        var adam = new Adam(model.Parameters, options.LearningRate);
        var history = new List<EpochRecord>();
        int firstEpoch = 0;
        if (options.CheckpointPath is { } path && File.Exists(path))
        {
            Dictionary<string, string> metadata = Checkpoint.Restore(path, model, adam);
            firstEpoch = int.Parse(metadata["epoch"], CultureInfo.InvariantCulture);
            history = ParseHistory(metadata["history"]);
            progress($"resumed from {path} after epoch {firstEpoch}");
        }
        int batchSize = options.BatchSize;
        var images = new Tensor([batchSize, .. train.SampleShape]);
        var labels = new int[batchSize];
        Tensor? gradient = null;
        for (int epoch = firstEpoch; epoch < options.Epochs; epoch++)
        {
            adam.LearningRate = LearningRateSchedule.Cosine(options.LearningRate, epoch, options.Epochs, options.LearningRate / 20);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            int seen = 0, batches = (train.Count + batchSize - 1) / batchSize, done = 0;
            // Full batches only, so that the tensors are made once; the few left-over examples
            // are seen in other epochs, in another order.
            foreach (int[] batch in MiniBatches.Shuffled(train.Count, batchSize, options.Seed, epoch, dropLast: true))
            {
                train.FillBatch(batch, images, labels);
                Tensor logits = model.Forward(images);
                gradient ??= new Tensor(logits.Shape);
                lossSum += CrossEntropy.FromLogits(logits, labels, gradient) * batch.Length;
                seen += batch.Length;
                model.Backward(gradient);
                adam.Step();
                if (++done % 100 == 0)
                {
                    double rate = seen / clock.Elapsed.TotalSeconds;
                    progress($"epoch {epoch + 1}/{options.Epochs}: {done}/{batches} batches, loss {lossSum / seen:F4}, {rate:F0} images/s, {(train.Count - seen) / rate:F0} s left in the epoch");
                }
            }
            double accuracy = Accuracy(model, test, batchSize);
            history.Add(new EpochRecord(epoch + 1, lossSum / seen, accuracy, clock.Elapsed.TotalSeconds));
            progress($"epoch {epoch + 1}/{options.Epochs}: train loss {lossSum / seen:F4}, test accuracy {100 * accuracy:F2}%, {clock.Elapsed.TotalSeconds:F0} s");
            if (options.CheckpointPath is { } checkpoint)
                Checkpoint.Save(checkpoint, model, adam, new Dictionary<string, string>
                {
                    ["epoch"] = (epoch + 1).ToString(CultureInfo.InvariantCulture),
                    ["history"] = FormatHistory(history),
                });
        }
        return history;
    }

    /// <summary>The fraction of <paramref name="data"/> whose largest logit is the label.</summary>
    public static double Accuracy(Sequential model, LabelledImages data, int batchSize)
    {
        int correct = 0;
        int[] all = Enumerable.Range(0, data.Count).ToArray();
        Tensor? images = null;
        var labels = new int[batchSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int length = Math.Min(batchSize, data.Count - start);
            if (images is null || images.Batch != length) images = new Tensor([length, .. data.SampleShape]); // full batches share one
            data.FillBatch(all.AsSpan(start, length), images, labels.AsSpan(0, length));
            Tensor logits = model.Forward(images);
            for (int s = 0; s < length; s++)
                if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(logits.Sample(s)) == labels[s]) correct++;
        }
        return data.Count == 0 ? 0 : correct / (double)data.Count;
    }

    /// <summary>The history's CSV rows, joined by ';' to fit one metadata string.</summary>
    private static string FormatHistory(IEnumerable<EpochRecord> history) => string.Join(";", history.Select(h => h.ToCsvRow()));

    private static List<EpochRecord> ParseHistory(string text) =>
        text.Length == 0 ? [] : text.Split(';').Select(line => line.Split(',')).Select(f => new EpochRecord(
            int.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture),
            double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture))).ToList();
}
