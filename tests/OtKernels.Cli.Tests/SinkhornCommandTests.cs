using System.Text.Json;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class SinkhornCommandTests : IDisposable
{
    private readonly PointProblemFiles _files = new("sinkhorn");

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Converged_PrintsTheLibrarysNumbers_AndWritesPotentialsAndGradients()
    {
        OtkRun run = OtkProcess.Run(["sinkhorn", .. _files.Inputs, "--epsilon", "0.2", "--tolerance", "1e-12", "--potentials", _files.File("p"), "--gradients", _files.File("g")]);
        Assert.Equal(0, run.ExitCode);
        var options = new SinkhornOptions { Epsilon = 0.2, Tolerance = 1e-12 };
        var cost = new PointCloudCost(_files.X, _files.Y, 2);
        SinkhornResult<double> expected = Sinkhorn.Solve<double>(_files.A, _files.B, cost, options);
        using JsonDocument json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(expected.Value[0], json.RootElement.GetProperty("value").GetDouble());
        Assert.Equal(expected.TransportCost(0), json.RootElement.GetProperty("transport_cost").GetDouble());
        Assert.True(json.RootElement.GetProperty("converged").GetBoolean());
        Assert.Equal(expected.F, Npy.ReadDoubles(_files.File("p_f.npy")).Data);
        var dx = new double[6];
        SinkhornBackward.PositionGradients(expected, 0, cost, dx, new double[6]);
        (double[] written, int[] shape) = Npy.ReadDoubles(_files.File("g_dx.npy"));
        Assert.Equal([3, 2], shape);
        Assert.Equal(dx, written);
    }

    [Fact]
    public void UnrolledAndDivergence_Run_AndBadEpsilonExitsTwo()
    {
        OtkRun unrolled = OtkProcess.Run(["sinkhorn", .. _files.Inputs, "--epsilon", "0.2", "--mode", "unrolled", "--iterations", "7", "--gradients", _files.File("u")]);
        Assert.Equal(0, unrolled.ExitCode);
        Assert.Contains("\"iterations\":7", unrolled.Stdout);
        Assert.True(System.IO.File.Exists(_files.File("u_dy.npy")));

        OtkRun divergence = OtkProcess.Run(["sinkhorn", .. _files.Inputs, "--epsilon", "0.2", "--divergence"]);
        Assert.Equal(0, divergence.ExitCode);
        using JsonDocument json = JsonDocument.Parse(divergence.Stdout);
        Assert.True(json.RootElement.GetProperty("value").GetDouble() >= 0);

        OtkRun bad = OtkProcess.Run(["sinkhorn", .. _files.Inputs, "--epsilon", "-1"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--epsilon must be positive", bad.Stderr);
    }

    [Fact]
    public void Unbalanced_AcceptsUnequalMasses_PrintsTheLibrarysNumbers_AndRefusesABadRho()
    {
        double[] heavy = [1.0, 0.5, 0.7];
        Npy.Write(_files.File("heavy.npy"), heavy, 3);
        string[] inputs = ["--a", _files.File("a.npy"), "--b", _files.File("heavy.npy"), "--x", _files.File("x.npy"), "--y", _files.File("y.npy")];
        OtkRun run = OtkProcess.Run(["sinkhorn", .. inputs, "--epsilon", "0.2", "--unbalanced", "0.5", "--tolerance", "1e-12", "--gradients", _files.File("ub")]);
        Assert.Equal(0, run.ExitCode);
        var options = new SinkhornOptions { Epsilon = 0.2, Tolerance = 1e-12, MarginalPenalty = 0.5 };
        SinkhornResult<double> expected = Sinkhorn.Solve<double>(_files.A, heavy, new PointCloudCost(_files.X, _files.Y, 2), options);
        using (JsonDocument json = JsonDocument.Parse(run.Stdout))
        {
            Assert.Equal(expected.Value[0], json.RootElement.GetProperty("value").GetDouble());
            Assert.Equal(expected.Plan(0).Sum(), json.RootElement.GetProperty("plan_mass").GetDouble());
        }
        var da = new double[3];
        SinkhornBackward.WeightGradients(expected, 0, da, new double[3]);
        Assert.Equal(da, Npy.ReadDoubles(_files.File("ub_da.npy")).Data);

        OtkRun divergence = OtkProcess.Run(["sinkhorn", .. inputs, "--epsilon", "0.2", "--unbalanced", "0.5", "--divergence"]);
        Assert.Equal(0, divergence.ExitCode);
        using (JsonDocument json = JsonDocument.Parse(divergence.Stdout))
            Assert.Equal(SinkhornDivergence.Solve<double>(_files.A, heavy, new PointCloudCost(_files.X, _files.Y, 2), options with { Tolerance = 1e-6 }).Value[0],
                json.RootElement.GetProperty("value").GetDouble());

        // Without --unbalanced the same masses are refused; a rho that is not positive too.
        OtkRun balanced = OtkProcess.Run(["sinkhorn", .. inputs, "--epsilon", "0.2"]);
        Assert.Equal(2, balanced.ExitCode);
        Assert.Contains("--b to 2.2", balanced.Stderr);
        OtkRun bad = OtkProcess.Run(["sinkhorn", .. inputs, "--epsilon", "0.2", "--unbalanced", "0"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--unbalanced 0: the marginal penalty rho must be positive", bad.Stderr);
    }

    [Fact]
    public void UncertifiedResults_ExitOne_SayingWhatToRaise()
    {
        // eps = 1e-20 reported Converged with a marginal error of 0 before issue 14.
        OtkRun tiny = OtkProcess.Run(["sinkhorn", .. _files.Inputs, "--epsilon", "1e-20"]);
        Assert.Equal(1, tiny.ExitCode);
        using (JsonDocument json = JsonDocument.Parse(tiny.Stdout))
        {
            Assert.Equal("PrecisionLimit", json.RootElement.GetProperty("status").GetString());
            Assert.False(json.RootElement.GetProperty("converged").GetBoolean());
        }
        Assert.Matches("^otk: --epsilon 1E-20 is too small .* Raise --epsilon to at least about ", tiny.Stderr.Trim());

        OtkRun short_ = OtkProcess.Run(["sinkhorn", .. _files.Inputs, "--epsilon", "0.01", "--iterations", "2"]);
        Assert.Equal(1, short_.ExitCode);
        Assert.Contains("\"status\":\"MaxIterations\"", short_.Stdout);
        Assert.Contains("raise --iterations", short_.Stderr);
        Assert.Single(short_.Stderr.Trim().Split('\n'));
    }
}
