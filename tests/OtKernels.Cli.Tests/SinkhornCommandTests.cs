using System.Text.Json;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class SinkhornCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-sinkhorn-").FullName;
    private readonly double[] _a = [0.2, 0.3, 0.5], _b = [0.5, 0.25, 0.25];
    private readonly double[] _x = [0, 0, 1, 0, 0.5, 0.5], _y = [0, 1, 1, 1, 0.2, 0.7];

    public SinkhornCommandTests()
    {
        Npy.Write(File("a.npy"), _a, 3);
        Npy.Write(File("b.npy"), _b, 3);
        Npy.Write(File("x.npy"), _x, 3, 2);
        Npy.Write(File("y.npy"), _y, 3, 2);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    private string[] Inputs => ["--a", File("a.npy"), "--b", File("b.npy"), "--x", File("x.npy"), "--y", File("y.npy")];

    [Fact]
    public void Converged_PrintsTheLibrarysNumbers_AndWritesPotentialsAndGradients()
    {
        OtkRun run = OtkProcess.Run(["sinkhorn", .. Inputs, "--epsilon", "0.2", "--tolerance", "1e-12", "--potentials", File("p"), "--gradients", File("g")]);
        Assert.Equal(0, run.ExitCode);
        var options = new SinkhornOptions { Epsilon = 0.2, Tolerance = 1e-12 };
        var cost = new PointCloudCost(_x, _y, 2);
        SinkhornResult<double> expected = Sinkhorn.Solve<double>(_a, _b, cost, options);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(expected.Value[0], json.RootElement.GetProperty("value").GetDouble());
        Assert.Equal(expected.TransportCost(0), json.RootElement.GetProperty("transport_cost").GetDouble());
        Assert.True(json.RootElement.GetProperty("converged").GetBoolean());
        Assert.Equal(expected.F, Npy.ReadDoubles(File("p_f.npy")).Data);
        var dx = new double[6];
        SinkhornBackward.PositionGradients(expected, 0, cost, dx, new double[6]);
        (double[] written, int[] shape) = Npy.ReadDoubles(File("g_dx.npy"));
        Assert.Equal([3, 2], shape);
        Assert.Equal(dx, written);
    }

    [Fact]
    public void UnrolledAndDivergence_Run_AndBadEpsilonExitsTwo()
    {
        OtkRun unrolled = OtkProcess.Run(["sinkhorn", .. Inputs, "--epsilon", "0.2", "--mode", "unrolled", "--iterations", "7", "--gradients", File("u")]);
        Assert.Equal(0, unrolled.ExitCode);
        Assert.Contains("\"iterations\":7", unrolled.Stdout);
        Assert.True(System.IO.File.Exists(File("u_dy.npy")));

        OtkRun divergence = OtkProcess.Run(["sinkhorn", .. Inputs, "--epsilon", "0.2", "--divergence"]);
        Assert.Equal(0, divergence.ExitCode);
        using JsonDocument json = JsonDocument.Parse(divergence.Stdout);
        Assert.True(json.RootElement.GetProperty("value").GetDouble() >= 0);

        OtkRun bad = OtkProcess.Run(["sinkhorn", .. Inputs, "--epsilon", "-1"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--epsilon must be positive", bad.Stderr);
    }

    [Fact]
    public void UncertifiedResults_ExitOne_SayingWhatToRaise()
    {
        // eps = 1e-20 reported Converged with a marginal error of 0 before issue 14.
        OtkRun tiny = OtkProcess.Run(["sinkhorn", .. Inputs, "--epsilon", "1e-20"]);
        Assert.Equal(1, tiny.ExitCode);
        using (JsonDocument json = JsonDocument.Parse(tiny.Stdout))
        {
            Assert.Equal("PrecisionLimit", json.RootElement.GetProperty("status").GetString());
            Assert.False(json.RootElement.GetProperty("converged").GetBoolean());
        }
        Assert.Matches("^otk: --epsilon 1E-20 is too small .* Raise --epsilon to at least about ", tiny.Stderr.Trim());

        OtkRun short_ = OtkProcess.Run(["sinkhorn", .. Inputs, "--epsilon", "0.01", "--iterations", "2"]);
        Assert.Equal(1, short_.ExitCode);
        Assert.Contains("\"status\":\"MaxIterations\"", short_.Stdout);
        Assert.Contains("raise --iterations", short_.Stderr);
        Assert.Single(short_.Stderr.Trim().Split('\n'));
    }
}
