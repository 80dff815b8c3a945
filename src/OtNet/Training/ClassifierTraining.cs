// Supervised training of an image classifier as a task of the one training loop: softmax
// cross-entropy, the test accuracy after every epoch. ClassifierTraining.DefaultOptions are
// the settings `otk train mnist-classifier` uses: Adam at 1e-3 with cosine annealing over 4
// epochs, batches of 64, the last model kept.
using System.Globalization;
using OtNet.Data;
using OtNet.IO;
using OtNet.Layers;
using OtNet.Losses;

namespace OtNet.Training;

/// <summary>An image classifier on labelled images as a task of <see cref="Trainer"/>.</summary>
public sealed class ClassifierTask : ITrainingTask
{
    private readonly Sequential _model;
    private readonly LabelledImages _train, _test;
    private readonly int _evaluationBatch;
    private readonly ClassifierLoss _loss;
    private readonly IReadOnlyDictionary<string, string> _metadata;
    private Tensor? _images, _gradient;
    private int[] _labels = [];

    /// <summary>The task of training model on train, scored on test.</summary>
    /// <param name="model">The classifier: images to logits.</param>
    /// <param name="train">The training images.</param>
    /// <param name="test">The images of the accuracy after each epoch.</param>
    /// <param name="evaluationBatch">Images per batch of the accuracy pass.</param>
    /// <param name="loss">The training loss (the cross-entropy when null).</param>
    /// <param name="accuracyName">The name of the accuracy after each epoch in the history
    /// (valid_accuracy when test holds held-out training images).</param>
    /// <param name="metadata">Entries the saved model's metadata carries besides the architecture (the loss, the label space).</param>
    public ClassifierTask(Sequential model, LabelledImages train, LabelledImages test, int evaluationBatch = 64, ClassifierLoss? loss = null,
        string accuracyName = "test_accuracy", IReadOnlyDictionary<string, string>? metadata = null)
    {
        _metadata = metadata ?? new Dictionary<string, string>();
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentOutOfRangeException.ThrowIfLessThan(evaluationBatch, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(accuracyName);
        (_model, _train, _test, _evaluationBatch, _loss) = (model, train, test, evaluationBatch, loss ?? new CrossEntropyLoss());
        Parameters = model.Parameters.ToList();
        EvaluationMetrics = [accuracyName];
        Monitor = (accuracyName, true);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public IReadOnlyList<(string Name, int[] Shape, float[] Data)> NamedParameters() => SafeTensors.NamedParameters(_model);
    /// <inheritdoc/>
    public int Examples => _train.Count;
    /// <inheritdoc/>
    public IReadOnlyList<string> TrainMetrics { get; } = ["train_loss"];
    /// <inheritdoc/>
    public IReadOnlyList<string> EvaluationMetrics { get; }
    /// <inheritdoc/>
    public (string Name, bool HigherIsBetter) Monitor { get; }
    /// <inheritdoc/>
    public string Settings => string.Join("\n", $"architecture={_model}", $"training images={_train.Count}", $"test images={_test.Count}")
                              + (_loss is CrossEntropyLoss ? "" : $"\nloss={_loss}");

    /// <inheritdoc/>
    public double[] TrainBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (_images?.Batch != indices.Length)
        {
            _images = new Tensor([indices.Length, .. _train.SampleShape]);
            _labels = new int[indices.Length];
            _gradient = null;
        }
        _train.FillBatch(indices, _images, _labels);
        Tensor logits = _model.Forward(_images);
        _gradient ??= new Tensor(logits.Shape);
        double loss = _loss.Compute(logits, _labels, _gradient);
        _model.Backward(_gradient);
        return [loss];
    }

    /// <inheritdoc/>
    public double[] Evaluate() => [ClassifierTraining.Accuracy(_model, _test, _evaluationBatch)];

    /// <inheritdoc/>
    public void SaveModel(string path, IReadOnlyDictionary<string, string> metadata)
    {
        var all = new Dictionary<string, string>(metadata);
        foreach ((string key, string value) in _metadata) all[key] = value;
        all["format"] = "otnet";
        all["architecture"] = _model.ToString();
        SafeTensors.Save(path, SafeTensors.NamedParameters(_model), all);
    }
}

/// <summary>The MNIST classifier's network, its defaults and its accuracy.</summary>
public static class ClassifierTraining
{
    /// <summary>The settings of `otk train mnist-classifier`: Adam at 1e-3 with cosine
    /// annealing over 4 epochs, batches of 64, the last model kept.</summary>
    public static TrainingOptions DefaultOptions { get; } = new()
    {
        MaxEpochs = 4, BatchSize = 64, LearningRate = 1e-3, Schedule = LearningRateScheduleKind.Cosine, Keep = ModelSelection.Last,
    };

    /// <summary>A small CNN for 28 x 28 digits: conv 32@3x3, pool, conv 64@3x3, pool, dense 128, dense 10.</summary>
    public static Sequential MnistCnn(int seed) => MnistCnn(10, seed);

    /// <summary>The same CNN with <paramref name="outputs"/> outputs (the embeddings' trunk).</summary>
    public static Sequential MnistCnn(int outputs, int seed)
    {
        var rng = new Random(seed);
        return new Sequential([1, 28, 28],
            new Conv2D(1, 32, 3, Padding.Same, rng), new Relu(), new MaxPool2D(2),
            new Conv2D(32, 64, 3, Padding.Same, rng), new Relu(), new MaxPool2D(2),
            new Flatten(), new Dense(64 * 7 * 7, 128, rng), new Relu(), new Dense(128, outputs, rng));
    }

    /// <summary>The fraction of <paramref name="data"/> whose largest logit is the label.</summary>
    public static double Accuracy(Sequential model, LabelledImages data, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
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
}
