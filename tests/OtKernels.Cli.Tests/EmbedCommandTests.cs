// otk embed end to end on a tiny configuration of real MNIST (one epoch of 640 images): the
// run directory with its curves, then `otk embed eval` of that model as JSON, plain and
// re-ranked by the Sinkhorn distance. Needs the MNIST files, so it is skipped where they are
// absent; the library's two-class run (OtNet.Tests, EmbeddingTaskTests) runs everywhere, as
// do the error paths here.
using System.Text.Json;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class EmbedCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-embed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    [MnistFact]
    public void TrainThenEval_WritesTheRun_AndPrintsTheKnnAccuracy()
    {
        OtkRun run = OtkProcess.Run(["embed", "train", "--train-count", "640", "--epochs", "1", "--out", File("run")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        foreach (string name in (string[])["model.safetensors", "checkpoint.safetensors", "history.csv", "loss.svg", "distances.svg", "accuracy.svg"])
            Assert.True(System.IO.File.Exists(File("run/" + name)), name);
        Assert.StartsWith("epoch,train_loss,train_positive_distance,train_negative_distance,valid_loss", System.IO.File.ReadAllLines(File("run/history.csv"))[0]);

        foreach (string[] extra in new[] { Array.Empty<string>(), ["--rerank", "10"], ["--knn-distance", "model", "--test-count", "40"] })
        {
            string[] export = extra.Length == 0 ? ["--embeddings", File("e.npy")] : [];
            run = OtkProcess.Run(["embed", "eval", "--model", File("run/model.safetensors"), .. extra, .. export]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            using JsonDocument result = JsonDocument.Parse(run.Stdout);
            if (export.Length > 0)
            {
                // The test images' embeddings, for otk distances: [n, points, dimension].
                (_, int[] shape) = OtKernels.IO.Npy.ReadDoubles(File("e.npy"));
                Assert.Equal([10000, result.RootElement.GetProperty("points").GetInt32(), result.RootElement.GetProperty("dimension").GetInt32()], shape);
                Assert.Equal([10000], OtKernels.IO.Npy.ReadDoubles(File("e.labels.npy")).Shape);
            }
            double accuracy = result.RootElement.GetProperty("knn_accuracy").GetDouble();
            Assert.InRange(accuracy, 0.5, 1); // one epoch on 640 images is far above chance (0.1)
            Assert.Equal(5, result.RootElement.GetProperty("k").GetInt32());
            Assert.Equal(extra.Contains("--test-count") ? 40 : 10000, result.RootElement.GetProperty("test_images").GetInt32());
        }

        // The synthesis' Figures 2 and 3 from that model: 20 images per class, 3 points each.
        run = OtkProcess.Run(["embed", "plot", "--model", File("run/model.safetensors"), "--per-class", "20", "--class", "4", "--images", "3", "--out", File("plot")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        System.Xml.Linq.XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(10 * 20 * 3, System.Xml.Linq.XDocument.Load(File("plot/clouds.svg")).Descendants(svg + "circle").Count());
        Assert.Equal(10 * 20 * 3 + 3 * 3, System.Xml.Linq.XDocument.Load(File("plot/class-4.svg")).Descendants(svg + "circle").Count());
        Assert.True(System.IO.File.Exists(File("plot/class-4.png")));
    }

    [Theory]
    [InlineData("train", "--points", "0", "--points 0")]
    [InlineData("train", "--dimension", "17", "--dimension 17")]
    [InlineData("train", "--epsilon", "0", "--epsilon")]
    [InlineData("train", "--iterations", "0", "--iterations")]
    [InlineData("train", "--distance", "cosine", "--distance cosine")]
    [InlineData("train", "--reading", "plan", "--reading plan")]
    [InlineData("train", "--gradient", "implicit", "--gradient implicit")]
    [InlineData("train", "--margin", "-1", "--margin")]
    [InlineData("train", "--shift", "9", "--shift")]
    [InlineData("train", "--accelerator", "tpu", "--accelerator tpu")]
    [InlineData("train", "--accelerator", "ilgpu-cpu", "--accelerator ilgpu-cpu: the device kernels compute --reading value")] // the default reading is transport
    [InlineData("plot", "--class", "10", "--class 10")]
    [InlineData("plot", "--images", "0", "--images 0")]
    [InlineData("plot", "--per-class", "0", "--per-class 0")]
    [InlineData("eval", "--knn-distance", "cosine", "--knn-distance cosine")]
    [InlineData("eval", "--test-count", "-1", "--test-count -1")]
    [InlineData("graph", "--nodes", "3", "--nodes 3")]
    [InlineData("graph", "--kind", "grid", "--kind grid")]
    [InlineData("graph", "--points", "65", "--points 65")]
    [InlineData("graph", "--gradient", "implicit", "--gradient implicit")]
    public void BadOptions_AreNamed_AndNothingIsWritten(string command, string option, string value, string expected)
    {
        // eval writes no files; graph reads no MNIST.
        string[] output = command == "eval" ? [] : ["--out", File("bad")], data = command == "graph" ? [] : ["--data-dir", File("empty")];
        OtkRun run = OtkProcess.Run(["embed", command, option, value, .. output, .. data]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.False(Directory.Exists(File("bad")));
    }

    [Fact]
    public void Graph_EmbedsASmallTree_AndWritesItsPicture()
    {
        OtkRun run = OtkProcess.Run(["embed", "graph", "--kind", "tree", "--nodes", "16", "--points", "2", "--epochs", "3", "--batch-size", "32",
            "--gradient", "envelope", "--out", File("graph")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using JsonDocument result = JsonDocument.Parse(run.Stdout);
        Assert.Equal((16, 15, 4), (result.RootElement.GetProperty("nodes").GetInt32(), result.RootElement.GetProperty("edges").GetInt32(),
            result.RootElement.GetProperty("numbers_per_node").GetInt32()));
        Assert.InRange(result.RootElement.GetProperty("distortion").GetDouble(), 0, 1);
        System.Xml.Linq.XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(16 * 2 + 2 * 2, System.Xml.Linq.XDocument.Load(File("graph/embedding.svg")).Descendants(svg + "circle").Count());
    }

    [Fact]
    public void Graph_FromAnEdgeListFile_EmbedsItsLargestComponent_AndABadLineIsNamed()
    {
        // A 6-cycle written with names, one edge twice, and a separate edge (a second component).
        System.IO.File.WriteAllLines(File("ring.txt"), ["# ring", "a b", "b c", "c d", "d e", "e f", "f a", "b a", "x y"]);
        OtkRun run = OtkProcess.Run(["embed", "graph", "--graph", File("ring.txt"), "--points", "2", "--epochs", "2", "--batch-size", "8", "--out", File("ring")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using (JsonDocument result = JsonDocument.Parse(run.Stdout))
            Assert.Equal(("ring.txt", 6, 6), (result.RootElement.GetProperty("kind").GetString(), result.RootElement.GetProperty("nodes").GetInt32(), result.RootElement.GetProperty("edges").GetInt32()));
        Assert.Contains("repeat an edge", run.Stderr);

        System.IO.File.WriteAllLines(File("loop.txt"), ["a b", "c c"]);
        run = OtkProcess.Run(["embed", "graph", "--graph", File("loop.txt"), "--out", File("loop")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--graph", run.Stderr);
        Assert.Contains("line 2", run.Stderr);
        Assert.False(Directory.Exists(File("loop")));
    }

    [Fact]
    public void Eval_WithoutTheModel_SaysHowToMakeOne()
    {
        OtkRun run = OtkProcess.Run(["embed", "eval", "--model", File("none.safetensors")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("otk embed train", run.Stderr);
    }
}
