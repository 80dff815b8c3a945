// otk gw: the library's value for points or structure matrices, fused with a feature cost,
// the coupling and gradient files, the device kernel, and bad input named with exit code 2.
using System.Text.Json;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class GwCommandTests : IDisposable
{
    private readonly PointProblemFiles _files = new("gw");

    public void Dispose() => _files.Dispose();

    /// <summary>The Euclidean distances of three points in the plane, [3, 3].</summary>
    private static double[] Distances(double[] points)
    {
        var c = new double[9];
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
                c[i * 3 + k] = Math.Sqrt(Math.Pow(points[2 * i] - points[2 * k], 2) + Math.Pow(points[2 * i + 1] - points[2 * k + 1], 2));
        return c;
    }

    [Fact]
    public void PointsOrMatrices_PrintTheLibrarysValue_AndWriteThePlanAndGradients()
    {
        OtkRun run = OtkProcess.Run(["gw", .. _files.Inputs, "--epsilon", "0.05", "--plan", _files.File("t.npy"), "--gradients", _files.File("g")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        double[] c1 = Distances(_files.X), c2 = Distances(_files.Y);
        GromovWassersteinResult expected = GromovWasserstein.Solve(_files.A, _files.B, c1, c2, new GromovWassersteinOptions { Epsilon = 0.05 });
        using (JsonDocument json = JsonDocument.Parse(run.Stdout))
        {
            Assert.Equal(expected.Value, json.RootElement.GetProperty("value").GetDouble(), 14);
            Assert.True(json.RootElement.GetProperty("converged").GetBoolean());
        }
        Assert.Equal(expected.Plan, Npy.ReadDoubles(_files.File("t.npy")).Data);
        var d1 = new double[9];
        GromovWassersteinBackward.StructureGradients(expected, d1, new double[9]);
        Assert.Equal(d1, Npy.ReadDoubles(_files.File("g_dc1.npy")).Data);

        // The device kernel (ILGPU's CPU accelerator), in float.
        OtkRun onDevice = OtkProcess.Run(["gw", .. _files.Inputs, "--epsilon", "0.05", "--accelerator", "ilgpu-cpu"]);
        Assert.True(onDevice.ExitCode == 0, onDevice.Stderr);
        using (JsonDocument json = JsonDocument.Parse(onDevice.Stdout))
            Assert.Equal(expected.Value, json.RootElement.GetProperty("value").GetDouble(), 1e-4 * expected.Value);

        // The same spaces as matrices, fused with a feature cost.
        Npy.Write(_files.File("c1.npy"), c1, 3, 3);
        Npy.Write(_files.File("c2.npy"), c2, 3, 3);
        double[] m = [0.1, 0.5, 0.9, 0.3, 0.2, 0.7, 0.8, 0.4, 0.6];
        Npy.Write(_files.File("m.npy"), m, 3, 3);
        OtkRun fused = OtkProcess.Run(["gw", "--a", _files.File("a.npy"), "--b", _files.File("b.npy"), "--c1", _files.File("c1.npy"), "--c2", _files.File("c2.npy"),
            "--features", _files.File("m.npy"), "--alpha", "0.3", "--epsilon", "0.05", "--gradients", _files.File("f")]);
        Assert.True(fused.ExitCode == 0, fused.Stderr);
        GromovWassersteinResult fusedExpected = GromovWasserstein.SolveFused(_files.A, _files.B, c1, c2, m, 0.3, new GromovWassersteinOptions { Epsilon = 0.05 });
        using (JsonDocument json = JsonDocument.Parse(fused.Stdout))
            Assert.Equal(fusedExpected.Value, json.RootElement.GetProperty("value").GetDouble(), 14);
        Assert.Equal(GromovWassersteinBackward.FeatureGradient(fusedExpected), Npy.ReadDoubles(_files.File("f_dm.npy")).Data);
    }

    [Theory]
    [InlineData("--c1", "Give either --x (points) or --c1 (a structure matrix), exactly one.")]
    [InlineData("--loss", "--loss huber: use square, kl.")]
    [InlineData("--alpha", "Alpha must be in [0, 1]")]
    [InlineData("--epsilon", "--epsilon must be positive")]
    [InlineData("--accelerator", "--accelerator tpu: use auto, cpu, cuda, opencl, ilgpu-cpu.")]
    public void BadInput_ExitsTwo_NamingTheOption(string option, string message)
    {
        Npy.Write(_files.File("c1.npy"), Distances(_files.X), 3, 3);
        Npy.Write(_files.File("m.npy"), new double[9], 3, 3);
        string[] extra = option switch
        {
            "--c1" => ["--c1", _files.File("c1.npy"), "--epsilon", "0.1"],
            "--loss" => ["--loss", "huber", "--epsilon", "0.1"],
            "--alpha" => ["--features", _files.File("m.npy"), "--alpha", "1.5", "--epsilon", "0.1"],
            "--accelerator" => ["--accelerator", "tpu", "--epsilon", "0.1"],
            _ => ["--epsilon", "-1"],
        };
        OtkRun run = OtkProcess.Run(["gw", .. _files.Inputs, .. extra]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
    }
}
