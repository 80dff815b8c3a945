// otk losses end to end on a tiny configuration of real Fashion-MNIST (one epoch of 500
// images, HEMD on the committed taxonomy), then `otk losses eval` of that model as JSON, with
// its own label space and with another tree; and bad options named with exit code 2 before
// any data is read. The end-to-end test needs the Fashion-MNIST files and is skipped where
// they are absent.
using System.Text.Json;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class LossesCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-losses-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    [FashionMnistFact]
    public void TrainThenEval_PrintsAccuracyAndMistakeSeverity_UnderTheModelsLabelSpace()
    {
        OtkRun run = OtkProcess.Run(["losses", "train", "--dataset", "fashion", "--loss", "hemd", "--train-count", "500", "--epochs", "1", "--out", File("hemd")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.StartsWith("epoch,train_loss,valid_accuracy", System.IO.File.ReadAllLines(File("hemd/history.csv"))[0]);
        run = OtkProcess.Run(["losses", "eval", "--model", File("hemd/model.safetensors"), "--test-count", "300"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using JsonDocument result = JsonDocument.Parse(run.Stdout);
        JsonElement root = result.RootElement;
        Assert.Equal("fashion", root.GetProperty("dataset").GetString());
        Assert.Equal("hemd", root.GetProperty("loss").GetString());
        Assert.Equal(300, root.GetProperty("test_images").GetInt32());
        Assert.InRange(root.GetProperty("accuracy").GetDouble(), 0.2, 1); // ten classes: chance is 0.1
        // On the taxonomy a mistake costs 2 (inside a group) or 4 (across).
        Assert.InRange(root.GetProperty("mistake_severity").GetDouble(), 2, 4);
        double[] topK = [.. root.GetProperty("top_k_cost").EnumerateArray().Select(v => v.GetDouble())];
        Assert.Equal(10, topK.Length);
        Assert.Equal(300, root.GetProperty("confusion").EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(v => v.GetInt32()));
        // Under a tree where every class is 1 from the root, every mistake costs 2.
        System.IO.File.WriteAllText(File("flat.tree"), "root -\n" + string.Concat(Enumerable.Range(0, 10).Select(c => $"{c} root 1\n")));
        run = OtkProcess.Run(["losses", "eval", "--model", File("hemd/model.safetensors"), "--test-count", "300", "--tree", File("flat.tree")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using JsonDocument flat = JsonDocument.Parse(run.Stdout);
        Assert.Equal(2, flat.RootElement.GetProperty("mistake_severity").GetDouble(), 12);
        Assert.Equal(root.GetProperty("accuracy").GetDouble(), flat.RootElement.GetProperty("accuracy").GetDouble());

        // The pictures: one confusion matrix per model (100 squares), one top-K curve each,
        // and the lecture's gradient figure in three panels.
        run = OtkProcess.Run(["losses", "plot", "--model", File("hemd/model.safetensors"), "--test-count", "300", "--out", File("plot")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        var confusion = System.Xml.Linq.XDocument.Load(File("plot/confusion.svg"));
        Assert.Equal(100, confusion.Descendants(ns + "rect").Count(r => (string?)r.Attribute("class") == "cell"));
        Assert.Single(System.Xml.Linq.XDocument.Load(File("plot/topk.svg")).Descendants(ns + "polyline"));
        Assert.Equal(3, System.Xml.Linq.XDocument.Load(File("plot/gradient.svg")).Root!.Elements(ns + "svg").Count());
    }

    [Theory]
    [InlineData("--loss", "focal", "--loss focal")]
    [InlineData("--dataset", "cifar", "--dataset cifar")]
    [InlineData("--p", "0", "--p 0")]
    [InlineData("--epsilon", "-1", "--epsilon -1")]
    [InlineData("--epochs", "0", "--epochs 0")]
    [InlineData("--ce-weight", "-1", "--ce-weight -1")]
    [InlineData("--tree", "/nonexistent/labels.tree", "no such file")]
    public void BadOptions_AreNamed_WithExitCode2_AndNothingIsWritten(string option, string value, string expected)
    {
        OtkRun run = OtkProcess.Run(["losses", "train", option, value, "--out", File("bad"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.False(Directory.Exists(File("bad")));
    }

    [Theory]
    [InlineData("root -\nother -\n" + "0 root 1\n1 root 1\n2 root 1\n3 root 1\n4 root 1\n5 root 1\n6 root 1\n7 root 1\n8 root 1\n9 other 1", "both have no parent")]
    [InlineData("root -\n0 root 1\n1 root 1", "no node for class(es) 2, 3, 4, 5, 6, 7, 8, 9")]
    [InlineData("root -\n0 root -2\n1 root 1\n2 root 1\n3 root 1\n4 root 1\n5 root 1\n6 root 1\n7 root 1\n8 root 1\n9 root 1", "weight -2")]
    public void MalformedTrees_AreRefused_WithExitCode2(string tree, string expected)
    {
        System.IO.File.WriteAllText(File("bad.tree"), tree);
        OtkRun run = OtkProcess.Run(["losses", "train", "--loss", "hemd", "--tree", File("bad.tree"), "--out", File("bad"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--tree bad.tree", run.Stderr);
        Assert.Contains(expected, run.Stderr);
        Assert.False(Directory.Exists(File("bad")));
        run = OtkProcess.Run(["losses", "train", "--loss", "ce", "--ce-weight", "1", "--out", File("bad"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("the loss is the cross-entropy already", run.Stderr);
        run = OtkProcess.Run(["losses", "eval", "--model", File("none.safetensors")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("otk losses train", run.Stderr);
    }
}
