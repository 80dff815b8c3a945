// otk dwe end to end on a tiny configuration of real MNIST (300 pairs, one epoch of 200):
// pairs with their manifest, training with its outputs, evaluation, the throughput table and
// the four data-mining pictures. Needs the MNIST files (`otk data mnist`), so it is skipped,
// with that reason, where they are absent (CI); the library's tiny end-to-end run on
// synthetic blobs (OtNet.Tests, DweTrainingTests) runs everywhere. The error paths run
// everywhere too.
using System.Text.Json;
using OtKernels.Data;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

/// <summary>A fact that runs only where the MNIST files are in the default data directory.</summary>
public sealed class MnistFactAttribute : FactAttribute
{
    public MnistFactAttribute()
    {
        IReadOnlyList<string> missing = MnistStore.Verify(MnistStore.DataDirectory());
        if (missing.Count > 0) Skip = $"MNIST is not in {MnistStore.DataDirectory()} (run `otk data mnist`): {string.Join(", ", missing)}";
    }
}

public sealed class DweCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-dwe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    [MnistFact]
    public void Pipeline_PairsTrainEvalBenchAndMining_RunEndToEnd()
    {
        OtkRun run = OtkProcess.Run(["dwe", "pairs", "--count", "300", "--seed", "3", "--out", File("pairs")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using (JsonDocument manifest = JsonDocument.Parse(System.IO.File.ReadAllText(File("pairs/manifest.json"))))
        {
            Assert.Equal("210,60,30", manifest.RootElement.GetProperty("sizes").GetString());
            Assert.Equal(30, manifest.RootElement.GetProperty("test").GetProperty("rows").GetInt32());
        }
        Assert.Equal(31, System.IO.File.ReadAllLines(File("pairs/test.csv")).Length);
        Assert.False(Directory.Exists(File("pairs/all.csv.shards")));
        Assert.Contains("nothing to do", OtkProcess.Run(["dwe", "pairs", "--count", "300", "--seed", "3", "--out", File("pairs")]).Stdout);

        run = OtkProcess.Run(["dwe", "train", "--pairs", File("pairs"), "--max-epochs", "1", "--batch-size", "20", "--train-pairs", "200", "--out", File("run")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        foreach (string name in (string[])["model.safetensors", "checkpoint.safetensors", "history.csv", "loss.svg"])
            Assert.True(System.IO.File.Exists(File("run/" + name)), name);
        string model = File("run/model.safetensors");
        // Resumed with nothing left to run: the files are written again from the checkpoint's history.
        System.IO.File.Delete(File("run/history.csv"));
        run = OtkProcess.Run(["dwe", "train", "--pairs", File("pairs"), "--max-epochs", "1", "--batch-size", "20", "--train-pairs", "200", "--out", File("run")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        string[] history = System.IO.File.ReadAllLines(File("run/history.csv"));
        Assert.Equal(["epoch,train_loss,train_distance_mse,valid_loss,valid_distance_mse,seconds,learning_rate"], history[..1]);
        Assert.Equal(2, history.Length);
        Assert.StartsWith("1,", history[1]);

        run = OtkProcess.Run(["dwe", "eval", "--model", model, "--pairs", File("pairs/test.csv"), "--scatter", File("scatter.svg")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using (JsonDocument fit = JsonDocument.Parse(run.Stdout))
        {
            Assert.Equal(30, fit.RootElement.GetProperty("pairs").GetInt32());
            Assert.True(fit.RootElement.GetProperty("mse").GetDouble() >= 0);
            Assert.InRange(fit.RootElement.GetProperty("correlation").GetDouble(), -1, 1);
        }
        System.Xml.Linq.XDocument.Load(File("scatter.svg"));

        run = OtkProcess.Bench(["dwe-figure2", "--model", model, "--lp-pairs", "10", "--indep-pairs", "100", "--set-size", "50"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("| DWE Pairwise |", run.Stdout);

        foreach (string[] mining in new[]
                 {
                     new[] { "barycenters", "--count", "20" }, ["interpolate", "--from", "0", "--to", "1", "--steps", "4"],
                     ["pga", "--count", "50", "--components", "2", "--steps", "3"], ["kmeans", "--count", "200", "--k", "5"],
                 })
        {
            run = OtkProcess.Run(["dwe", .. mining, "--model", model, "--out", File(mining[0] + ".png")]);
            Assert.True(run.ExitCode == 0, $"{mining[0]}: {run.Stderr}");
            Assert.True(System.IO.File.Exists(File(mining[0] + ".png")), mining[0]);
        }
    }

    [Fact]
    public void BadInput_IsNamed_AndNothingIsWritten()
    {
        OtkRun run = OtkProcess.Run(["dwe", "pairs", "--count", "10", "--fractions", "0.5,0.5", "--out", File("p")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("fractions (0.5, 0.5): need three positive shares", run.Stderr);
        Assert.False(Directory.Exists(File("p")));
        run = OtkProcess.Run(["dwe", "eval", "--model", File("missing.safetensors"), "--pairs", File("none.csv")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--model", run.Stderr);
        run = OtkProcess.Run(["dwe", "train", "--pairs", File("nowhere"), "--out", File("r")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("manifest.json", run.Stderr);
        run = OtkProcess.Run(["dwe", "train", "--pairs", File("nowhere"), "--plateau-decay", "0", "--out", File("r")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--plateau-decay must be in (0, 1]", run.Stderr);
        Assert.False(Directory.Exists(File("r")));
    }
}
