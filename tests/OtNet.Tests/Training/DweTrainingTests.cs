// Deep Wasserstein Embedding on a tiny configuration, end to end: the gradient of eq. 2
// (distance, KL and sparsity terms through encoder and decoder) against finite differences;
// training on blobs of a 6 x 6 grid whose pairs carry exact W2^2 (network simplex), which
// must learn the distances; an interrupted run that resumes to the same weights; and the
// model file's round trip.
using OtKernels.Exact;
using OtKernels.Geometry;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;
using OtNet.Training;
using Xunit;

namespace OtNet.Tests.Training;

public sealed class DweTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otnet-dwe").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>count histograms on a side x side grid: one or two Gaussian blobs each.</summary>
    private static float[] Blobs(int count, int side, int seed)
    {
        var rng = new Random(seed);
        int n = side * side;
        var histograms = new float[count * n];
        for (int s = 0; s < count; s++)
        {
            var h = new double[n];
            for (int blob = 0, blobs = 1 + rng.Next(2); blob < blobs; blob++)
            {
                double r0 = rng.NextDouble() * (side - 1), c0 = rng.NextDouble() * (side - 1), width = 0.6 + rng.NextDouble();
                for (int p = 0; p < n; p++) h[p] += Math.Exp(-(Math.Pow(p / side - r0, 2) + Math.Pow(p % side - c0, 2)) / (2 * width * width));
            }
            double total = h.Sum();
            for (int p = 0; p < n; p++) histograms[s * n + p] = (float)(h[p] / total);
        }
        return histograms;
    }

    /// <summary>count random pairs of distinct images with their exact W2^2 on the grid.</summary>
    private static W2Pairs Pairs(float[] histograms, int side, int count, int seed)
    {
        int n = side * side, images = histograms.Length / n;
        var rng = new Random(seed);
        int[] first = new int[count], second = new int[count];
        for (int k = 0; k < count; k++)
        {
            first[k] = rng.Next(images);
            second[k] = (first[k] + 1 + rng.Next(images - 1)) % images;
        }
        var cost = new ImageGridCost(side, side);
        double[] distances = Enumerable.Range(0, count).Select(k => NetworkSimplex.Solve(
            histograms.AsSpan(first[k] * n, n).ToArray().Select(v => (double)v).ToArray(),
            histograms.AsSpan(second[k] * n, n).ToArray().Select(v => (double)v).ToArray(), cost, new EmdOptions { Normalize = true }).Cost).ToArray();
        return new W2Pairs(first, second, distances);
    }

    [Fact]
    public void LossGradient_MatchesFiniteDifferences_ThroughEncoderAndDecoder()
    {
        var model = new DeepWassersteinEmbedding(4, 4, 3, seed: 2);
        float[] histograms = Blobs(5, 4, seed: 1);
        var pairs = new W2Pairs([0, 1, 3], [2, 4, 0], [1.5, 0.7, 2.2]);
        var weights = new DweLossWeights { KlWeight = 0.7, SparsityWeight = 0.3 };
        int[] all = [0, 1, 2];
        foreach (Parameter p in model.Parameters) Array.Clear(p.Gradient);
        DweTraining.LossAndGradients(model, histograms, pairs, all, weights);
        foreach (Parameter p in model.Parameters)
        {
            // The first entries of every parameter (a few suffice to catch a wrong factor or
            // sign); a step of 1e-2 crossed a ReLU's kink.
            FiniteDifference.Check(p.Value, p.Gradient, () => DweTraining.Evaluate(model, histograms, pairs, weights, 3).Loss,
                1e-3f, 2e-3, 5e-2, p.Name, count: 4);
        }
    }

    [Fact]
    public void Training_LearnsTheDistances_AndAResumedRunEndsWhereAnUninterruptedOneDoes()
    {
        const int side = 6;
        float[] histograms = Blobs(60, side, seed: 3);
        W2Pairs train = Pairs(histograms, side, 400, seed: 4), valid = Pairs(histograms, side, 80, seed: 5);
        var options = DweTraining.DefaultOptions with { MaxEpochs = 6, BatchSize = 20, LearningRate = 3e-3, Patience = 100 };
        var weights = new DweLossWeights();
        DweTask Task(DeepWassersteinEmbedding model) => new(model, histograms, train, valid, weights, 20);
        double variance = Variance(valid.Distances);

        var straight = new DeepWassersteinEmbedding(side, side, 8, seed: 6);
        var untrained = DweTraining.Evaluate(straight, histograms, valid, weights, 20).DistanceMse;
        List<EpochRecord> history = Trainer.Train(Task(straight), options, _ => { });
        Assert.Equal(6, history.Count);
        double last = history[^1]["valid_distance_mse"];
        Assert.True(last < 0.5 * variance && last < 0.2 * untrained, $"validation distance MSE {last} (untrained {untrained}, variance of W2^2 {variance})");
        double[] predicted = DweTraining.PredictedDistances(straight, histograms, valid);
        Assert.Equal(last, predicted.Zip(valid.Distances, (p, y) => (p - y) * (p - y)).Average(), 1e-3 * variance);

        // Interrupted after 3 epochs, then resumed from the checkpoint to 6.
        var run = new TrainingRun(Path.Combine(_dir, "run"));
        var resumed = new DeepWassersteinEmbedding(side, side, 8, seed: 6);
        Trainer.Train(Task(resumed), options with { MaxEpochs = 3, Run = run }, _ => { });
        var again = new DeepWassersteinEmbedding(side, side, 8, seed: 99); // other weights: all must come from the checkpoint
        var lines = new List<string>();
        var seen = new List<int>();
        List<EpochRecord> resumedHistory = Trainer.Train(Task(again), options with { Run = run }, lines.Add, h => seen.Add(h.Count));
        Assert.Equal([4, 5, 6], seen); // after each epoch run here, the whole history so far
        Assert.Contains(lines, l => l.StartsWith("resumed from", StringComparison.Ordinal));
        Assert.Equal(history.Select(h => h["valid_loss"]), resumedHistory.Select(h => h["valid_loss"]));
        foreach (var (a, b) in straight.Parameters.Zip(again.Parameters)) Assert.Equal(a.Value, b.Value);
        Assert.Equal(history.Select(h => h.ToCsvRow().Split(',')[1]), File.ReadAllLines(run.History).Skip(1).Select(l => l.Split(',')[1]));

        // The run's model file holds the weights of the best validation epoch.
        var (loaded, metadata) = DeepWassersteinEmbedding.Load(run.Model);
        int bestEpoch = history.MinBy(h => h["valid_loss"])!.Epoch;
        Assert.Equal(bestEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["epoch"]);
        double bestLoss = history[bestEpoch - 1]["valid_loss"];
        Assert.Equal(bestLoss, DweTraining.Evaluate(loaded, histograms, valid, weights, 20).Loss, 1e-9 * bestLoss);
    }

    [Fact]
    public void Resume_WithOtherSettings_OrADamagedCheckpoint_IsRefused_SayingWhatToDo()
    {
        const int side = 4;
        float[] histograms = Blobs(20, side, seed: 3);
        W2Pairs train = Pairs(histograms, side, 40, seed: 4), valid = Pairs(histograms, side, 10, seed: 5);
        var run = new TrainingRun(Path.Combine(_dir, "resume"));
        var options = DweTraining.DefaultOptions with { MaxEpochs = 1, BatchSize = 10, Patience = 100, Run = run };
        DweTask Task() => new(new DeepWassersteinEmbedding(side, side, 3, seed: 1), histograms, train, valid, new DweLossWeights(), 10);
        Trainer.Train(Task(), options, _ => { });

        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(Task(), options with { MaxEpochs = 2, BatchSize = 5, Seed = 7 }, _ => { }));
        Assert.Contains("batch size 10, now 5", e.Message);
        Assert.Contains("seed 1, now 7", e.Message);
        Assert.Contains("delete it", e.Message);

        byte[] bytes = File.ReadAllBytes(run.Checkpoint);
        File.WriteAllBytes(run.Checkpoint, bytes[..(bytes.Length / 2)]);
        var d = Assert.Throws<InvalidDataException>(() => Trainer.Train(Task(), options with { MaxEpochs = 2 }, _ => { }));
        Assert.Contains("delete it to start over", d.Message);
    }

    [Fact]
    public void PlateauDecay_CutsTheRateAfterEachEpochWithoutImprovement_AndAResumedRunKeepsTheCutRate()
    {
        const int side = 6;
        float[] histograms = Blobs(60, side, seed: 3);
        W2Pairs train = Pairs(histograms, side, 400, seed: 4), valid = Pairs(histograms, side, 80, seed: 5);
        // A rate too large for steady progress, so that some epochs do not improve.
        var options = DweTraining.DefaultOptions with { MaxEpochs = 8, BatchSize = 20, LearningRate = 3e-2, Patience = 100, PlateauDecay = 0.5 };
        DweTask Task(DeepWassersteinEmbedding model) => new(model, histograms, train, valid, new DweLossWeights(), 20);
        var straight = new DeepWassersteinEmbedding(side, side, 8, seed: 6);
        List<EpochRecord> history = Trainer.Train(Task(straight), options, _ => { });
        double best = double.PositiveInfinity, rate = options.LearningRate;
        var cutAfter = new List<int>();
        foreach (EpochRecord epoch in history)
        {
            Assert.Equal(rate, epoch.LearningRate);
            if (epoch["valid_loss"] < best) best = epoch["valid_loss"];
            else
            {
                rate *= 0.5;
                cutAfter.Add(epoch.Epoch);
            }
        }
        Assert.True(cutAfter.Count > 0 && cutAfter[0] < 8, $"no epoch before the last failed to improve: {string.Join(", ", history.Select(h => h["valid_loss"]))}");

        // Interrupted right after the first cut, then resumed: the checkpoint carries the cut rate.
        var run = new TrainingRun(Path.Combine(_dir, "decay"));
        Trainer.Train(Task(new DeepWassersteinEmbedding(side, side, 8, seed: 6)), options with { MaxEpochs = cutAfter[0], Run = run }, _ => { });
        var again = new DeepWassersteinEmbedding(side, side, 8, seed: 99);
        List<EpochRecord> resumed = Trainer.Train(Task(again), options with { Run = run }, _ => { });
        Assert.Equal(history.Select(h => (h["valid_loss"], h.LearningRate)), resumed.Select(h => (h["valid_loss"], h.LearningRate)));
        foreach (var (a, b) in straight.Parameters.Zip(again.Parameters)) Assert.Equal(a.Value, b.Value);
    }

    [Fact]
    public void ModelFile_RoundTrips_AndAnotherFileIsRefused()
    {
        var model = new DeepWassersteinEmbedding(5, 7, 4, seed: 1);
        float[] histograms = Blobs(3, 7, seed: 2)[..(3 * 35)];
        string path = Path.Combine(_dir, "m.safetensors");
        model.Save(path);
        var (loaded, _) = DeepWassersteinEmbedding.Load(path);
        Assert.Equal((5, 7, 4), (loaded.Height, loaded.Width, loaded.EmbeddingSize));
        Assert.Equal(model.Embed(histograms), loaded.Embed(histograms));
        float[] decoded = loaded.Decode(loaded.Embed(histograms));
        for (int s = 0; s < 3; s++) Assert.Equal(1, decoded.AsSpan(s * 35, 35).ToArray().Sum(), 1e-5);
        OtNet.IO.SafeTensors.Save(Path.Combine(_dir, "other.safetensors"), [("x", [1], [1f])]);
        var e = Assert.Throws<InvalidDataException>(() => DeepWassersteinEmbedding.Load(Path.Combine(_dir, "other.safetensors")));
        Assert.Contains("not a DWE model", e.Message);
    }

    private static double Variance(double[] values)
    {
        double mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / values.Length;
    }
}
