using OtNet.Data;
using OtNet.Layers;
using OtNet.Training;
using Xunit;

namespace OtNet.Tests.Training;

public sealed class ClassifierTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otnet-train").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Two classes of 8 x 8 images: a bright left half or a bright right half, with noise.</summary>
    private static LabelledImages Halves(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new float[count * 64];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            labels[s] = rng.Next(2);
            for (int i = 0; i < 64; i++) pixels[s * 64 + i] = (float)(0.5 * rng.NextDouble() + ((i % 8 < 4) == (labels[s] == 0) ? 0.5 : 0));
        }
        return new LabelledImages(pixels, labels, 1, 8, 8);
    }

    private static Sequential Model() => new([1, 8, 8],
        new Conv2D(1, 4, 3, Padding.Same, new Random(3)), new Relu(), new MaxPool2D(2), new Flatten(), new Dense(64, 2, new Random(4)));

    [Fact]
    public void Training_Learns_AndAResumedRunEndsBitForBitWhereAnUninterruptedOneDoes()
    {
        LabelledImages train = Halves(96, 1), test = Halves(64, 2);
        var options = ClassifierTraining.DefaultOptions with { MaxEpochs = 3, BatchSize = 16, LearningRate = 0.01, Seed = 5 };

        Sequential straight = Model();
        List<EpochRecord> history = Trainer.Train(new ClassifierTask(straight, train, test, 16), options, _ => { });
        Assert.Equal(3, history.Count);
        Assert.True(history[^1]["test_accuracy"] >= 0.95, $"test accuracy {history[^1]["test_accuracy"]}");
        Assert.True(history[^1]["train_loss"] < history[0]["train_loss"]);

        // "Interrupted" after epoch 1. The cosine schedule runs over MaxEpochs, so the
        // interrupted run is one of 3 epochs cut short, as a killed process would be.
        var run = new TrainingRun(Path.Combine(_dir, "run"));
        var interrupted = new ClassifierTask(Model(), train, test, 16);
        Assert.Throws<OperationCanceledException>(() => Trainer.Train(interrupted, options with { Run = run }, _ => { },
            h => { if (h.Count == 1) throw new OperationCanceledException(); }));
        var messages = new List<string>();
        Sequential resumed = Model();
        List<EpochRecord> resumedHistory = Trainer.Train(new ClassifierTask(resumed, train, test, 16), options with { Run = run }, messages.Add);
        Assert.Contains(messages, m => m.Contains("resumed"));
        Assert.Equal(history.Select(h => h["train_loss"]), resumedHistory.Select(h => h["train_loss"]));
        Assert.Equal(straight.Parameters.SelectMany(p => p.Value), resumed.Parameters.SelectMany(p => p.Value));
    }

    [Fact]
    public void Accuracy_CountsTheExamplesWhoseLargestLogitIsTheLabel_OverAPartialLastBatch()
    {
        var dense = new Dense(2, 2, new Random(1));
        float[] identity = [1, 0, 0, 1];
        identity.CopyTo(dense.Weight.Value, 0);
        Array.Clear(dense.Bias.Value);
        var model = new Sequential([1, 1, 2], new Flatten(), dense);
        var data = new LabelledImages([1, 0, 0, 1, 1, 0], [0, 1, 1], 1, 1, 2); // the third is misclassified
        Assert.Equal(2.0 / 3, ClassifierTraining.Accuracy(model, data, batchSize: 2), 12);
    }

    /// <summary>The architecture otk records is read from the model, not written by hand: the
    /// MNIST network describes itself as the string otk used to hard-code; the history's
    /// CSV rows round-trip at full precision.</summary>
    [Fact]
    public void Model_DescribesItsLayers_AndTheHistoryRowIsRoundTripCsv()
    {
        Assert.Equal("conv 32@3x3 same, relu, maxpool 2, conv 64@3x3 same, relu, maxpool 2, flatten, dense 3136->128, relu, dense 128->10",
            ClassifierTraining.MnistCnn(1).ToString());
        var record = new EpochRecord(3, ["train_loss", "test_accuracy"], [0.1 + 0.2, 0.9913], 12.5, 1e-3);
        Assert.Equal("3,0.30000000000000004,0.9913,12.5,0.001", record.ToCsvRow());
        Assert.Equal("epoch,train_loss,test_accuracy,seconds,learning_rate", record.CsvHeader());
        EpochRecord parsed = EpochRecord.Parse(record.ToCsvRow(), record.Names);
        Assert.Equal((record.Epoch, record.Seconds, record.LearningRate), (parsed.Epoch, parsed.Seconds, parsed.LearningRate));
        Assert.Equal(record.Values, parsed.Values);
        Assert.Equal(0.9913, parsed["test_accuracy"]);
        Assert.Contains("train_loss, test_accuracy", Assert.Throws<KeyNotFoundException>(() => parsed["accuracy"]).Message);
        Assert.Throws<FormatException>(() => EpochRecord.Parse("3,0.5,12", record.Names));
    }
}
