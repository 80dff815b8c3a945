// Graph node embeddings: the loss's gradient in the table against finite differences, a
// path graph fitted with low distortion and its edges recovered, bad distances named.
using OtKernels.Autodiff.Entropic;
using OtKernels.Geometry;
using OtNet.Models;
using OtNet.Training;
using Xunit;

namespace OtNet.Tests.Training;

public class GraphEmbeddingTaskTests
{
    /// <summary>The hop distances of a path 0 - 1 - ... - (n-1).</summary>
    private static int[] Path(int n) => Enumerable.Range(0, n * n).Select(k => Math.Abs(k / n - k % n)).ToArray();

    [Theory]
    [InlineData(EmbeddingDistance.Wasserstein, GroundMetric.Euclidean)]
    [InlineData(EmbeddingDistance.Wasserstein, GroundMetric.SqEuclidean)]
    [InlineData(EmbeddingDistance.Euclidean, GroundMetric.Euclidean)]
    public void LossGradient_MatchesFiniteDifferences(EmbeddingDistance distance, GroundMetric metric)
    {
        var task = new GraphEmbeddingTask(6, Path(6), new EmbeddingMetric(3, 2, distance, new EntropicDistanceOptions { Epsilon = 0.2, Iterations = 10, Metric = metric }), seed: 2);
        int[] batch = [0, 4, 7, 11, 14];
        Parameter table = task.Parameters[0];
        Array.Clear(table.Gradient);
        task.TrainBatch(batch);
        FiniteDifference.Check(table.Value, table.Gradient, () => task.LossOf(batch), 1e-3f, 1e-4, 1e-2, "embedding");
    }

    [Fact]
    public void APath_IsFittedWithLowDistortion_AndItsEdgesRecovered()
    {
        foreach (EmbeddingDistance distance in Enum.GetValues<EmbeddingDistance>())
        {
            var task = new GraphEmbeddingTask(8, Path(8), new EmbeddingMetric(2, 2, distance, new EntropicDistanceOptions { Epsilon = 0.05, Metric = GroundMetric.Euclidean }), seed: 3);
            List<EpochRecord> history = Trainer.Train(task, new TrainingOptions { MaxEpochs = 150, BatchSize = 7, LearningRate = 0.05, Schedule = LearningRateScheduleKind.Cosine }, _ => { });
            Assert.True(history[^1]["distortion"] < 0.1 && history[^1]["distortion"] < 0.5 * history[0]["distortion"],
                $"{distance}: distortion {history[0]["distortion"]} -> {history[^1]["distortion"]}");
            Assert.True(history[^1]["mean_average_precision"] > 0.95, $"{distance}: MAP {history[^1]["mean_average_precision"]}");
        }
    }

    [Fact]
    public void BadDistances_AreNamed()
    {
        var metric = new EmbeddingMetric(2, 2, EmbeddingDistance.Euclidean, new EntropicDistanceOptions());
        int[] disconnected = Path(3);
        disconnected[2] = disconnected[6] = -1;
        Assert.Contains("hops[0, 2]", Assert.Throws<ArgumentException>("hops", () => new GraphEmbeddingTask(3, disconnected, metric, 1)).Message);
        Assert.Throws<ArgumentException>("hops", () => new GraphEmbeddingTask(3, new int[8], metric, 1));
    }
}
