// The entropic Wasserstein embedding trainer: the contrastive loss's gradient through the
// trunk and the Sinkhorn layer against finite differences; a tiny run that separates two
// classes of 28 x 28 images; a resumed run that ends bit for bit where an uninterrupted one
// does; the model file round trip; bad options named.
using OtKernels.Autodiff.Entropic;
using OtKernels.Geometry;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;
using OtNet.Training;
using Xunit;

namespace OtNet.Tests.Training;

public sealed class EmbeddingTaskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otnet-embed").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>28 x 28 images of two classes: a bright left half or a bright top half, with noise.</summary>
    internal static LabelledImages Halves(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new float[count * 784];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            labels[s] = s % 2;
            for (int p = 0; p < 784; p++)
            {
                bool lit = labels[s] == 0 ? p % 28 < 14 : p / 28 < 14;
                pixels[s * 784 + p] = (float)(0.3 * rng.NextDouble() + (lit ? 0.6 : 0));
            }
        }
        return new LabelledImages(pixels, labels, 1, 28, 28);
    }

    private static WassersteinEmbedding Model(EmbeddingDistance distance = EmbeddingDistance.Wasserstein, EntropicDistanceKind kind = EntropicDistanceKind.TransportCost) =>
        new(3, 2, distance, new EntropicDistanceOptions { Epsilon = 0.1, Iterations = 10, Kind = kind }, seed: 4);

    [Theory]
    [InlineData(EmbeddingDistance.Wasserstein, EntropicDistanceKind.TransportCost, ContrastiveForm.Squared, false)]
    [InlineData(EmbeddingDistance.Wasserstein, EntropicDistanceKind.Divergence, ContrastiveForm.Plain, false)]
    [InlineData(EmbeddingDistance.Euclidean, EntropicDistanceKind.TransportCost, ContrastiveForm.Squared, false)]
    [InlineData(EmbeddingDistance.Wasserstein, EntropicDistanceKind.TransportCost, ContrastiveForm.Squared, true)] // mined partners get their gradients too
    public void LossGradient_ThroughTheTrunkAndSinkhorn_MatchesFiniteDifferences(EmbeddingDistance distance, EntropicDistanceKind kind, ContrastiveForm form, bool hardNegatives)
    {
        WassersteinEmbedding model = Model(distance, kind);
        var task = new EmbeddingTask(model, Halves(16, 1), Halves(8, 2), new ContrastiveOptions { Margin = 2, Form = form, ValidationPairs = 4, HardNegatives = hardNegatives });
        int[] batch = [3, 0, 7, 12, 5, 9];
        foreach (Parameter p in model.Trunk.Parameters) Array.Clear(p.Gradient);
        task.TrainBatch(batch);
        // The last dense layer's weights and biases, where the loss and the Sinkhorn layer's
        // gradient enter the trunk. Deeper layers sit behind thousands of ReLU kinks that a
        // finite step crosses; each layer's own backward is checked in Layers/.
        Parameter[] parameters = model.Trunk.Parameters.ToArray();
        foreach (Parameter p in parameters[^2..])
            FiniteDifference.Check(p.Value, p.Gradient, () => task.LossOf(batch), 1e-3f, 2e-4, 1e-2, p.Name, count: 12);
    }

    [Fact]
    public void Training_SeparatesTwoClasses_AndAResumedRunEndsBitForBitWhereAnUninterruptedOneDoes()
    {
        LabelledImages train = Halves(192, 3), valid = Halves(64, 4);
        var contrastive = new ContrastiveOptions { Margin = 1, Neighbours = 3, ValidationPairs = 64, Shift = 1 }; // shifts drawn per batch: still bit for bit
        var options = new TrainingOptions { MaxEpochs = 3, BatchSize = 32, LearningRate = 3e-3, Schedule = LearningRateScheduleKind.Cosine, Keep = ModelSelection.Best };

        WassersteinEmbedding straight = Model();
        List<EpochRecord> history = Trainer.Train(new EmbeddingTask(straight, train, valid, contrastive), options, _ => { });
        EpochRecord last = history[^1];
        Assert.Equal(1.0, last["valid_knn_accuracy"]);
        Assert.True(last["valid_positive_distance"] < 0.5 * last["valid_negative_distance"],
            $"positive pairs at {last["valid_positive_distance"]}, negative at {last["valid_negative_distance"]}");

        var run = new TrainingRun(Path.Combine(_dir, "run"));
        Assert.Throws<OperationCanceledException>(() => Trainer.Train(new EmbeddingTask(Model(), train, valid, contrastive), options with { Run = run }, _ => { },
            h => { if (h.Count == 1) throw new OperationCanceledException(); }));
        WassersteinEmbedding resumed = Model();
        List<EpochRecord> again = Trainer.Train(new EmbeddingTask(resumed, train, valid, contrastive), options with { Run = run }, _ => { });
        Assert.Equal(history.Select(h => h["train_loss"]), again.Select(h => h["train_loss"]));
        Assert.Equal(straight.Trunk.Parameters.SelectMany(p => p.Value), resumed.Trunk.Parameters.SelectMany(p => p.Value));

        // The kept model is the best epoch's, and it loads with its distance.
        var (loaded, metadata) = WassersteinEmbedding.Load(run.Model);
        Assert.Equal((3, 2, EmbeddingDistance.Wasserstein, 0.1, 10), (loaded.Points, loaded.Dimension, loaded.Distance, loaded.Sinkhorn.Epsilon, loaded.Sinkhorn.Iterations));
        Assert.Equal(history.MaxBy(h => h["valid_knn_accuracy"])!.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["epoch"]);
    }

    [Fact]
    public void HardNegatives_RaiseEveryBatchLoss_ForTheyAreTheNearestOfTheOtherClass()
    {
        // The mined partner is at most as far as the drawn one (which is a candidate), so each
        // dissimilar pair's hinge can only grow; the similar pairs are the same.
        WassersteinEmbedding model = Model();
        LabelledImages train = Halves(64, 5), valid = Halves(8, 6);
        var drawn = new EmbeddingTask(model, train, valid, new ContrastiveOptions { Margin = 2, ValidationPairs = 4 });
        var mined = new EmbeddingTask(model, train, valid, new ContrastiveOptions { Margin = 2, ValidationPairs = 4, HardNegatives = true });
        var rng = new Random(3);
        int raised = 0;
        for (int b = 0; b < 8; b++)
        {
            int[] batch = Enumerable.Range(0, 64).OrderBy(_ => rng.Next()).Take(16).ToArray();
            double random = drawn.LossOf(batch), hard = mined.LossOf(batch);
            Assert.True(hard >= random - 1e-12, $"batch {b}: mined loss {hard} below the drawn pairs' {random}");
            if (hard > random + 1e-9) raised++;
        }
        Assert.True(raised > 0, "mining never changed a batch's loss");
    }

    [Fact]
    public void SaveThenLoad_KeepsTheDistanceOptions_AndAFileWithoutTheGradientMeansUnrolled()
    {
        var sinkhorn = new EntropicDistanceOptions { Epsilon = 0.07, Iterations = 12, Kind = EntropicDistanceKind.Divergence, Metric = GroundMetric.Euclidean, Gradient = EntropicGradient.Envelope };
        var model = new WassersteinEmbedding(4, 3, EmbeddingDistance.Wasserstein, sinkhorn, seed: 2);
        string path = Path.Combine(_dir, "envelope.safetensors");
        model.Save(path);
        var (loaded, _) = WassersteinEmbedding.Load(path);
        Assert.Equal(sinkhorn, loaded.Sinkhorn);
        Assert.Equal(model.Trunk.Parameters.SelectMany(p => p.Value), loaded.Trunk.Parameters.SelectMany(p => p.Value));

        var metadata = model.Describe();
        metadata.Remove("gradient");
        string old = Path.Combine(_dir, "old.safetensors");
        OtNet.IO.SafeTensors.Save(old, OtNet.IO.SafeTensors.NamedParameters(model.Trunk), metadata);
        Assert.Equal(EntropicGradient.Unrolled, WassersteinEmbedding.Load(old).Model.Sinkhorn.Gradient);
    }

    [Fact]
    public void Distances_AreDistances_AndTheirGradientsMatchDifferences()
    {
        WassersteinEmbedding model = Model();
        var rng = new Random(5);
        float[] u = Enumerable.Range(0, 12).Select(_ => (float)rng.NextDouble()).ToArray(), v = Enumerable.Range(0, 12).Select(_ => (float)rng.NextDouble()).ToArray();
        var d = new double[2];
        float[] gu = new float[12], gv = new float[12];
        model.Distances(u, v, d, [1, 2], gu, gv);
        var same = new double[1];
        model.Distances(u[..6], u[..6], same);
        Assert.True(d[0] > 0 && d[1] > 0 && same[0] < d[0], $"{d[0]}, {d[1]}, self {same[0]}");
        for (int k = 0; k < 12; k++)
        {
            float saved = u[k];
            u[k] = saved + 1e-3f;
            var up = new double[2];
            model.Distances(u, v, up);
            u[k] = saved - 1e-3f;
            var down = new double[2];
            model.Distances(u, v, down);
            u[k] = saved;
            int pair = k / 6;
            Assert.Equal((pair + 1) * (up[pair] - down[pair]) / 2e-3, gu[k], 2e-3);
        }
    }

    [Theory]
    [InlineData(EmbeddingDistance.Wasserstein, EntropicDistanceKind.Divergence, GroundMetric.Euclidean)]
    [InlineData(EmbeddingDistance.Wasserstein, EntropicDistanceKind.Divergence, GroundMetric.SqEuclidean)]
    [InlineData(EmbeddingDistance.Wasserstein, EntropicDistanceKind.TransportCost, GroundMetric.SqEuclidean)]
    [InlineData(EmbeddingDistance.Euclidean, EntropicDistanceKind.Divergence, GroundMetric.Euclidean)]
    public void Matrix_IsThePairDistances_TheDivergenceFromSelfTermsSolvedOnce(EmbeddingDistance distance, EntropicDistanceKind kind, GroundMetric metric)
    {
        var model = new WassersteinEmbedding(3, 2, distance, new EntropicDistanceOptions { Epsilon = 0.1, Iterations = 10, Kind = kind, Metric = metric }, seed: 4);
        var rng = new Random(6);
        const int count = 7;
        float[] embeddings = Enumerable.Range(0, count * 6).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] matrix = model.Metric.Matrix(embeddings);
        for (int i = 0; i < count; i++)
            for (int j = 0; j < count; j++)
            {
                // L fixed iterations are not exactly symmetric: the matrix holds d(first, second)
                // of the lower index first, mirrored.
                var d = new double[1];
                (int a, int b) = (Math.Min(i, j), Math.Max(i, j));
                if (i != j) model.Distances(embeddings[(a * 6)..(a * 6 + 6)], embeddings[(b * 6)..(b * 6 + 6)], d);
                Assert.Equal((float)d[0], matrix[i * count + j]);
            }
    }

    [Theory]
    [InlineData(EntropicDistanceKind.Value, GroundMetric.SqEuclidean)]
    [InlineData(EntropicDistanceKind.Divergence, GroundMetric.Euclidean)] // metric learning's SD with p = 1
    public void OnAnAccelerator_TheDistancesTheirGradientAndTheMatrix_MatchTheCpuCode(EntropicDistanceKind kind, GroundMetric metric)
    {
        // The point-cloud kernels on ILGPU's CPU accelerator (float, the device code) against
        // UnrolledCloudDistance (double): the reading after L iterations, reported as a
        // distance, the gradient through them and the distance matrix; the transport-cost
        // reading is refused by name.
        var options = new EntropicDistanceOptions { Epsilon = 0.1, Iterations = 10, Kind = kind, Metric = metric };
        var cpu = new WassersteinEmbedding(3, 2, EmbeddingDistance.Wasserstein, options, seed: 4);
        var device = new WassersteinEmbedding(3, 2, EmbeddingDistance.Wasserstein, options, seed: 4);
        using var accelerator = OtKernels.Accelerators.Accelerator.Create(OtKernels.Accelerators.AcceleratorKind.IlgpuCpu);
        device.Metric.Accelerator = accelerator;
        var rng = new Random(8);
        const int pairs = 5;
        float[] u = [.. Enumerable.Range(0, pairs * 6).Select(_ => (float)rng.NextDouble())], v = [.. Enumerable.Range(0, pairs * 6).Select(_ => (float)rng.NextDouble())];
        double[] upstream = [1, -2, 0.5, 3, 1];
        var (d1, d2) = (new double[pairs], new double[pairs]);
        float[] gu1 = new float[u.Length], gv1 = new float[v.Length], gu2 = new float[u.Length], gv2 = new float[v.Length];
        cpu.Distances(u, v, d1, upstream, gu1, gv1);
        device.Distances(u, v, d2, upstream, gu2, gv2);
        for (int p = 0; p < pairs; p++) Assert.Equal(d1[p], d2[p], 1e-5);
        for (int k = 0; k < u.Length; k++)
        {
            Assert.Equal(gu1[k], gu2[k], 1e-4);
            Assert.Equal(gv1[k], gv2[k], 1e-4);
        }
        var forward = new double[pairs];
        device.Distances(u, v, forward);
        Assert.Equal(d2, forward);
        float[] m1 = cpu.Metric.Matrix(u), m2 = device.Metric.Matrix(u);
        for (int k = 0; k < m1.Length; k++) Assert.Equal(m1[k], m2[k], 1e-5);
        var transport = new WassersteinEmbedding(3, 2, EmbeddingDistance.Wasserstein, options with { Kind = EntropicDistanceKind.TransportCost }, seed: 4);
        Assert.Contains("value and divergence readings", Assert.Throws<ArgumentException>(() => transport.Metric.Accelerator = accelerator).Message);
    }

    [Fact]
    public void BadOptions_AreNamed_AndAnotherFileIsRefused()
    {
        var sinkhorn = new EntropicDistanceOptions();
        Assert.Throws<ArgumentOutOfRangeException>("points", () => new WassersteinEmbedding(65, 2, EmbeddingDistance.Wasserstein, sinkhorn, 1));
        Assert.Throws<ArgumentOutOfRangeException>("dimension", () => new WassersteinEmbedding(3, 0, EmbeddingDistance.Wasserstein, sinkhorn, 1));
        Assert.Throws<ArgumentOutOfRangeException>("Epsilon", () => new WassersteinEmbedding(3, 2, EmbeddingDistance.Wasserstein, sinkhorn with { Epsilon = -1 }, 1));
        Assert.Throws<ArgumentOutOfRangeException>("Iterations", () => new WassersteinEmbedding(3, 2, EmbeddingDistance.Wasserstein, sinkhorn with { Iterations = 0 }, 1));
        Assert.Throws<ArgumentOutOfRangeException>("Margin", () => new EmbeddingTask(Model(), Halves(8, 1), Halves(8, 2), new ContrastiveOptions { Margin = 0 }));
        string other = Path.Combine(_dir, "other.safetensors");
        OtNet.IO.SafeTensors.Save(other, [("x", [1], [1f])], new Dictionary<string, string> { ["format"] = "otnet" });
        Assert.Contains("not a Wasserstein embedding", Assert.Throws<InvalidDataException>(() => WassersteinEmbedding.Load(other)).Message);
        _ = GroundMetric.SqEuclidean;
    }
}
