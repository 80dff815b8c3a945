// The metric-learning trainer: the batch loss's gradient through the distances (the Sinkhorn
// divergence of point clouds, or |u - v| of normalised embeddings) and the trunk against
// finite differences; a tiny run that separates two classes for retrieval; a resumed run that
// ends bit for bit where an uninterrupted one does, the margin loss's beta included.
using OtKernels.Autodiff.Entropic;
using OtKernels.Geometry;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;
using OtNet.Training;
using Xunit;

namespace OtNet.Tests.Training;

public sealed class MetricLearningTaskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otnet-dml").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static WassersteinEmbedding Model(EmbeddingDistance distance) =>
        new(3, 2, distance, new EntropicDistanceOptions { Epsilon = 0.05, Iterations = 10, Kind = EntropicDistanceKind.Divergence, Metric = GroundMetric.Euclidean }, seed: 4, normalized: true);

    [Theory]
    [InlineData(EmbeddingDistance.Wasserstein, "triplet")]
    [InlineData(EmbeddingDistance.Wasserstein, "contrastive")]
    [InlineData(EmbeddingDistance.Euclidean, "triplet")]
    [InlineData(EmbeddingDistance.Euclidean, "margin")]
    [InlineData(EmbeddingDistance.Euclidean, "proxynca")] // the proxies' gradient through their normalisation too
    public void LossGradient_ThroughTheDistancesAndTheTrunk_MatchesFiniteDifferences(EmbeddingDistance distance, string loss)
    {
        WassersteinEmbedding model = Model(distance);
        BatchMetricLoss batchLoss = loss switch
        {
            "triplet" => new TripletBatchLoss(0.5, TripletSampling.Random),
            "contrastive" => new ContrastiveBatchLoss(0.5),
            "proxynca" => new ProxyNcaBatchLoss([0, 1], model.EmbeddingSize, new Random(2)),
            _ => new MarginBatchLoss(model.EmbeddingSize, initialBeta: 0.5),
        };
        var task = new MetricLearningTask(model, batchLoss, loss, EmbeddingTaskTests.Halves(16, 1), EmbeddingTaskTests.Halves(8, 2), seed: 3);
        int[] batch = [3, 0, 7, 12, 5, 9];
        foreach (Parameter p in task.Parameters) Array.Clear(p.Gradient);
        task.TrainBatch(batch);
        // The last dense layer, where the distances' gradient enters the trunk (deeper layers are
        // checked in Layers/), and the loss's own parameters (beta, the proxies).
        Parameter[] parameters = [.. model.Trunk.Parameters];
        foreach (Parameter p in (Parameter[])[.. parameters[^2..], .. batchLoss.Parameters])
            FiniteDifference.Check(p.Value, p.Gradient, () => task.LossOf(batch), 1e-3f, 2e-4, 1e-2, p.Name, count: 12);
    }

    [Fact]
    public void Training_SeparatesTwoClasses_AndAResumedRunEndsBitForBitWhereAnUninterruptedOneDoes()
    {
        LabelledImages train = EmbeddingTaskTests.Halves(192, 3), valid = EmbeddingTaskTests.Halves(64, 4);
        var options = new TrainingOptions { MaxEpochs = 3, BatchSize = 16, LearningRate = 3e-3, Schedule = LearningRateScheduleKind.Cosine, Keep = ModelSelection.Best };
        MetricLearningTask Task(WassersteinEmbedding model, out MarginBatchLoss loss) =>
            new(model, loss = new MarginBatchLoss(model.EmbeddingSize), "margin", train, valid, seed: 2);

        WassersteinEmbedding straight = Model(EmbeddingDistance.Wasserstein);
        List<EpochRecord> history = Trainer.Train(Task(straight, out MarginBatchLoss straightLoss), options, _ => { });
        Assert.Equal(1.0, history[^1]["valid_recall_at_1"]);
        Assert.True(history[^1]["valid_map_at_r"] > 0.9, $"mAP@R {history[^1]["valid_map_at_r"]}");

        var run = new TrainingRun(Path.Combine(_dir, "run"));
        Assert.Throws<OperationCanceledException>(() => Trainer.Train(Task(Model(EmbeddingDistance.Wasserstein), out _), options with { Run = run }, _ => { },
            h => { if (h.Count == 1) throw new OperationCanceledException(); }));
        WassersteinEmbedding resumed = Model(EmbeddingDistance.Wasserstein);
        List<EpochRecord> again = Trainer.Train(Task(resumed, out MarginBatchLoss resumedLoss), options with { Run = run }, _ => { });
        Assert.Equal(history.Select(h => h["train_loss"]), again.Select(h => h["train_loss"]));
        Assert.Equal(straight.Trunk.Parameters.SelectMany(p => p.Value), resumed.Trunk.Parameters.SelectMany(p => p.Value));
        Assert.Equal(straightLoss.Beta, resumedLoss.Beta);
        Assert.NotEqual(1.2, straightLoss.Beta, 6); // beta was learned

        var (loaded, metadata) = WassersteinEmbedding.Load(run.Model);
        Assert.True(loaded.Normalized);
        Assert.Equal("margin", metadata["loss"]);
        Assert.Equal((EntropicDistanceKind.Divergence, GroundMetric.Euclidean), (loaded.Sinkhorn.Kind, loaded.Sinkhorn.Metric));
    }

    [Fact]
    public void OnACoreset_EpochsRunOverTheSubset_BothClassesAreIn_AResumeBetweenSelectionsIsBitForBit_AndTheRandomControlKeepsTheSizes()
    {
        LabelledImages train = EmbeddingTaskTests.Halves(192, 3), valid = EmbeddingTaskTests.Halves(64, 4);
        var coreset = new CoresetOptions { Fraction = 0.25, Reselect = 2, Chunk = 40 };
        var options = new TrainingOptions { MaxEpochs = 3, BatchSize = 8, LearningRate = 3e-3, Schedule = LearningRateScheduleKind.Cosine };
        MetricLearningTask Task(WassersteinEmbedding model) => new(model, new TripletBatchLoss(0.2, TripletSampling.SemiHard), "triplet", train, valid, seed: 2, coreset);

        // 96 images per class in chunks of 40, 40 and 16: 10 + 10 + 4 chosen per class.
        MetricLearningTask straightTask = Task(Model(EmbeddingDistance.Wasserstein));
        Assert.Equal(48, straightTask.Examples);
        List<EpochRecord> history = Trainer.Train(straightTask, options, _ => { });
        Assert.Equal(48, straightTask.CoresetMembers.Distinct().Count());
        Assert.Equal([24, 24], straightTask.CoresetMembers.GroupBy(i => train.Labels[i]).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.True(history[0]["coreset_seconds"] > 0 && history[1]["coreset_seconds"] == 0 && history[2]["coreset_seconds"] > 0);
        Assert.True(history[^1]["valid_recall_at_1"] > 0.9, $"Recall@1 {history[^1]["valid_recall_at_1"]}");

        var run = new TrainingRun(Path.Combine(_dir, "coreset"));
        Assert.Throws<OperationCanceledException>(() => Trainer.Train(Task(Model(EmbeddingDistance.Wasserstein)), options with { Run = run }, _ => { },
            h => { if (h.Count == 1) throw new OperationCanceledException(); }));
        MetricLearningTask resumed = Task(Model(EmbeddingDistance.Wasserstein));
        List<EpochRecord> again = Trainer.Train(resumed, options with { Run = run }, _ => { });
        Assert.Equal(history.Select(h => h["train_loss"]), again.Select(h => h["train_loss"]));
        Assert.Equal(straightTask.CoresetMembers, resumed.CoresetMembers);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoresetOptions { Fraction = 0 }.Validate());
        Assert.Equal(train.Count, straightTask.CoresetWeights.Sum());

        // The random control: the same sizes per class and chunk, every image of a chunk
        // represented once (weights summing to the training set), another subset.
        var uniform = new MetricLearningTask(Model(EmbeddingDistance.Wasserstein), new TripletBatchLoss(0.2, TripletSampling.SemiHard), "triplet", train, valid, seed: 2,
            coreset with { Selection = CoresetSelection.Random });
        uniform.BeginEpoch(0);
        Assert.Equal([24, 24], uniform.CoresetMembers.Distinct().GroupBy(i => train.Labels[i]).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.Equal(train.Count, uniform.CoresetWeights.Sum());
        Assert.Equal([4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], uniform.CoresetWeights.Take(24));
        Assert.NotEqual(straightTask.CoresetMembers.Order(), uniform.CoresetMembers.Order());
    }

    [Fact]
    public void ATrainingSetWithoutPositives_IsRefused()
    {
        var single = new LabelledImages(new float[2 * 784], [0, 1], 1, 28, 28);
        Assert.Throws<ArgumentException>(() => new MetricLearningTask(Model(EmbeddingDistance.Euclidean), new ContrastiveBatchLoss(1), "contrastive", single, single, 1));
    }
}
