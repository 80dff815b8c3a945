// otk dml end to end on a tiny configuration of real Fashion-MNIST (one epoch of 400 images of
// classes 0-4; the triplet model on a coreset of half of them), then `otk dml eval` of that
// model on 200 images of classes 5-9, as JSON, and `otk dml plot` of both models; and
// bad options named with exit code 2 before any data is read. The end-to-end test needs the
// Fashion-MNIST files and is skipped where they are absent.
using System.Text.Json;
using OtKernels.Data;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        IReadOnlyList<string> missing = FashionMnistStore.Verify(MnistStore.DataDirectory());
        if (missing.Count > 0) Skip = $"Fashion-MNIST is not in {MnistStore.DataDirectory()} (run `otk data fashion-mnist`): {string.Join(", ", missing)}";
    }
}

public sealed class DmlCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-dml-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    [FashionMnistFact]
    public void Eval_WritesTheEmbeddings_ThatOtkDistancesReads()
    {
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (!System.IO.File.Exists(Path.Combine(repository.FullName, "OtKernels.sln"))) repository = repository.Parent!;
        string model = Path.Combine(repository.FullName, "models", "dml-fashion-wtriplet.safetensors");
        OtkRun run = OtkProcess.Run(["dml", "eval", "--model", model, "--test-count", "40", "--embeddings", File("e.npy")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        (double[] embeddings, int[] shape) = OtKernels.IO.Npy.ReadDoubles(File("e.npy"));
        Assert.Equal(40, shape[0]);
        Assert.Equal(3, shape.Length);
        Assert.All(embeddings, v => Assert.True(double.IsFinite(v)));
        (double[] labels, int[] labelShape) = OtKernels.IO.Npy.ReadDoubles(File("e.labels.npy"));
        Assert.Equal([40], labelShape);
        Assert.All(labels, l => Assert.InRange(l, 5, 9)); // the unseen classes

        run = OtkProcess.Run(["distances", "--embedding", File("e.npy"), "--metric", "w2", "--out", File("d.csv")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(1 + 40 * 39 / 2, System.IO.File.ReadAllLines(File("d.csv")).Length);
    }

    [FashionMnistFact]
    public void TrainThenEvalThenPlot_OfBothDistances_PrintTheRetrievalAndClusteringScores_AndDrawThem()
    {
        var recallAt1 = new Dictionary<string, double>();
        foreach (string loss in (string[])["wtriplet", "triplet"])
        {
            // The triplet model trains on a coreset of half of each class (WCRAIG's selection).
            string[] coreset = loss == "triplet" ? ["--coreset", "0.5", "--coreset-chunk", "100"] : [];
            OtkRun run = OtkProcess.Run(["dml", "train", "--loss", loss, "--train-count", "400", "--epochs", "1", "--points", "2", "--dimension", "2", .. coreset, "--out", File(loss)]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            using (JsonDocument trained = JsonDocument.Parse(run.Stdout))
                Assert.Equal(loss == "triplet" ? 0.5 : 1, trained.RootElement.GetProperty("coreset").GetDouble());
            Assert.StartsWith("epoch,train_loss,train_distance_share,valid_recall_at_1,valid_map_at_r", System.IO.File.ReadAllLines(File($"{loss}/history.csv"))[0]);
            Assert.True(System.IO.File.Exists(File($"{loss}/recall.svg")));
            run = OtkProcess.Run(["dml", "eval", "--model", File($"{loss}/model.safetensors"), "--test-count", "200"]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            using JsonDocument result = JsonDocument.Parse(run.Stdout);
            JsonElement root = result.RootElement;
            // Five unseen classes: chance is about 0.2 at Recall@1.
            Assert.InRange(root.GetProperty("recall_at_1").GetDouble(), 0.35, 1);
            Assert.True(root.GetProperty("recall_at_4").GetDouble() >= root.GetProperty("recall_at_1").GetDouble());
            foreach (string key in (string[])["map_at_r", "nmi", "f1"]) Assert.InRange(root.GetProperty(key).GetDouble(), 0, 1);
            Assert.Equal(loss, root.GetProperty("loss").GetString());
            Assert.Equal(loss == "wtriplet" ? "k-medoids" : "k-means", root.GetProperty("clustering").GetString());
            Assert.Equal(200, root.GetProperty("test_images").GetInt32());
            recallAt1[loss] = root.GetProperty("recall_at_1").GetDouble();
        }

        // The divergences of eval on a device (ILGPU's CPU accelerator runs the kernels, in
        // float) rank the test images as the CPU code does: Recall@1 within one query of 40.
        double[] recall40 = new double[2];
        foreach ((int i, string[] where) in new[] { (0, new[] { "--accelerator", "cpu" }), (1, new[] { "--accelerator", "ilgpu-cpu" }) })
        {
            OtkRun eval = OtkProcess.Run(["dml", "eval", "--model", File("wtriplet/model.safetensors"), "--test-count", "40", .. where]);
            Assert.True(eval.ExitCode == 0, eval.Stderr);
            Assert.Equal(i == 1, eval.Stderr.Contains("dml eval: Sinkhorn distances on"));
            using JsonDocument scores = JsonDocument.Parse(eval.Stdout);
            recall40[i] = scores.RootElement.GetProperty("recall_at_1").GetDouble();
        }
        Assert.InRange(Math.Abs(recall40[0] - recall40[1]), 0, 1.0 / 40 + 1e-12);

        // Both models in one projection (two panels) and one Recall@k figure; the curves' first
        // points are the Recall@1 that eval printed, since both rank the same images.
        OtkRun plot = OtkProcess.Run(["dml", "plot", "--model", File("wtriplet/model.safetensors"), "--model", File("triplet/model.safetensors"),
            "--test-count", "200", "--per-class", "20", "--out", File("plot")]);
        Assert.True(plot.ExitCode == 0, plot.Stderr);
        using JsonDocument pictures = JsonDocument.Parse(plot.Stdout);
        JsonElement[] models = [.. pictures.RootElement.GetProperty("models").EnumerateArray()];
        Assert.Equal(["wtriplet", "triplet"], models.Select(m => m.GetProperty("loss").GetString()));
        foreach (JsonElement m in models)
        {
            double[] recall = [.. m.GetProperty("recall_at_k").EnumerateObject().Select(p => p.Value.GetDouble())];
            Assert.Equal(6, recall.Length);
            Assert.Equal(recallAt1[m.GetProperty("loss").GetString()!], recall[0]);
            for (int i = 1; i < recall.Length; i++) Assert.True(recall[i] >= recall[i - 1], $"Recall@k falls with k: {string.Join(", ", recall)}");
        }
        var svg = System.Xml.Linq.XDocument.Load(File("plot/projection.svg"));
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(2, svg.Root!.Elements(ns + "svg").Count());
        // Five classes of 20 images each: 100 dots per panel.
        Assert.All(svg.Root.Elements(ns + "svg"), panel => Assert.Equal(100, panel.Descendants(ns + "circle").Count()));
        Assert.Equal(2, System.Xml.Linq.XDocument.Load(File("plot/recall.svg")).Descendants(ns + "polyline").Count());
    }

    [Theory]
    [InlineData("--loss", "lifted", "--loss lifted")]
    [InlineData("--dataset", "cifar", "--dataset cifar")]
    [InlineData("--margin", "0", "--margin 0")]
    [InlineData("--margin", "-0.2", "--margin -0.2")]
    [InlineData("--batch-size", "1", "--batch-size 1")]
    [InlineData("--sampling", "hardest", "--sampling hardest")]
    [InlineData("--epochs", "0", "--epochs 0")]
    [InlineData("--epsilon", "0", "--epsilon")]
    [InlineData("--coreset", "1.5", "--coreset 1.5")]
    [InlineData("--coreset-similarity", "cosine", "--coreset-similarity cosine")]
    [InlineData("--coreset-selection", "kmeans", "--coreset-selection kmeans")]
    [InlineData("--reselect", "0", "--reselect 0")]
    [InlineData("--accelerator", "tpu", "--accelerator tpu")]
    public void BadOptions_AreNamed_WithExitCode2_AndNothingIsWritten(string option, string value, string expected)
    {
        OtkRun run = OtkProcess.Run(["dml", "train", option, value, "--out", File("bad"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.False(Directory.Exists(File("bad")));
    }

    [Fact]
    public void DistanceWeightedSamplingForAWassersteinLoss_AndAMarginForALossWithout_AreRefused_AndEvalOrPlotWithoutAModelSaysHowToMakeOne()
    {
        OtkRun run = OtkProcess.Run(["dml", "train", "--loss", "wtriplet", "--sampling", "distance", "--out", File("bad"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--sampling distance", run.Stderr);
        run = OtkProcess.Run(["dml", "train", "--loss", "npair", "--margin", "0.3", "--out", File("bad"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("the npair loss has no margin", run.Stderr);
        // The device kernels compute the value and divergence readings, not <P, C>.
        run = OtkProcess.Run(["dml", "train", "--loss", "wtriplet", "--reading", "transport", "--accelerator", "ilgpu-cpu", "--out", File("bad"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--accelerator ilgpu-cpu: the device kernels compute --reading value or divergence", run.Stderr);
        Assert.False(Directory.Exists(File("bad")));
        run = OtkProcess.Run(["dml", "eval", "--model", File("none.safetensors")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("otk dml train", run.Stderr);
        run = OtkProcess.Run(["dml", "plot", "--model", File("none.safetensors"), "--out", File("bad")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("none.safetensors: no such file", run.Stderr);
        Assert.False(Directory.Exists(File("bad")));
    }
}
