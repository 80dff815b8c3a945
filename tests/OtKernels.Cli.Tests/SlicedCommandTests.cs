// otk sliced: the library's value for the files given, over given or seeded directions, the
// gradient file, and bad input named with exit code 2.
using System.Text.Json;
using OtKernels.Exact;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class SlicedCommandTests : IDisposable
{
    private readonly PointProblemFiles _files = new("sliced");
    private readonly double[] _directions = [1, 0, 0.6, 0.8];

    public SlicedCommandTests() => Npy.Write(_files.File("theta.npy"), _directions, 2, 2);

    public void Dispose() => _files.Dispose();

    private string[] Inputs => ["sliced", .. _files.Inputs];

    [Fact]
    public void PrintsTheLibrarysValue_OverGivenOrSeededDirections_AndWritesTheGradient()
    {
        OtkRun run = OtkProcess.Run([.. Inputs, "--directions", _files.File("theta.npy"), "--p", "1.5", "--gradient", _files.File("g.npy")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using (JsonDocument result = JsonDocument.Parse(run.Stdout))
        {
            var gradient = new double[6];
            Assert.Equal(SlicedWasserstein.Distance(_files.A, _files.B, _files.X, _files.Y, 2, _directions, 1.5, gradient), result.RootElement.GetProperty("value").GetDouble(), 14);
            Assert.Equal(2, result.RootElement.GetProperty("projections").GetInt32());
            (double[] written, int[] shape) = Npy.ReadDoubles(_files.File("g.npy"));
            Assert.Equal([3, 2], shape);
            for (int k = 0; k < 6; k++) Assert.Equal(gradient[k], written[k], 14);
        }

        run = OtkProcess.Run([.. Inputs, "--projections", "20", "--seed", "4", "--max"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using JsonDocument max = JsonDocument.Parse(run.Stdout);
        double expected = SlicedWasserstein.MaxDistance(_files.A, _files.B, _files.X, _files.Y, 2, SlicedWasserstein.RandomProjections(2, 20, 4));
        Assert.Equal(expected, max.RootElement.GetProperty("value").GetDouble(), 14);
        Assert.True(max.RootElement.GetProperty("max").GetBoolean());
    }

    [Fact]
    public void BadInput_IsNamed_AndExits2()
    {
        Npy.Write(_files.File("long.npy"), [2.0, 0], 1, 2);
        Npy.Write(_files.File("three.npy"), [1.0, 0, 0], 1, 3);
        (string[] Args, string Says)[] cases =
        [
            (["--p", "0.5"], "--p 0.5"),
            (["--projections", "0"], "--projections 0"),
            (["--directions", _files.File("three.npy")], "need [L, 2]"),
            (["--directions", _files.File("long.npy")], "row 0 has norm 2"),
        ];
        foreach ((string[] args, string says) in cases)
        {
            OtkRun run = OtkProcess.Run([.. Inputs, .. args]);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}, {run.Stderr}");
            Assert.Contains(says, run.Stderr, StringComparison.Ordinal);
        }
        OtkRun missing = OtkProcess.Run(["sliced", "--a", _files.File("a.npy"), "--b", _files.File("b.npy"), "--x", _files.File("x.npy")]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--y", missing.Stderr, StringComparison.Ordinal);
    }
}
