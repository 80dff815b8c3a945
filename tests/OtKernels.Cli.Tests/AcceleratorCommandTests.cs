// otk gpu check and the benchmark program's `kernels`, run as a user would: on ILGPU's CPU accelerator (the
// device kernels themselves, on every host) and on the CPU code.
using System.Text.RegularExpressions;
using OtKernels.Conformance;
using Xunit;

namespace OtKernels.Cli.Tests;

public class AcceleratorCommandTests
{
    private static readonly string[] BenchRows =
        ["Sinkhorn clouds (forward)", "forward + unrolled reverse", "converged reverse", "Sinkhorn divergence", "divergence + reverse, W1", "Sinkhorn dense",
         "pairwise distances"];

    [Fact]
    public void GpuCheck_OnIlgpusCpuAccelerator_PrintsEveryKernelAndPasses()
    {
        // --quick: one case per kernel. Every kernel on every case is the library's
        // conformance test (OtKernels.Autodiff.Tests, ConformanceTests); here, the command.
        OtkRun run = OtkProcess.Run(["gpu", "check", "--kind", "ilgpu-cpu", "--quick"]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("device: IlgpuCpu:", run.Stdout);
        Assert.Contains("device: Cpu:", run.Stdout);
        string[] lines = run.Stdout.Split('\n');
        foreach (string kernel in KernelConformance.Kernels)
            Assert.Equal(1, lines.Count(l => Regex.IsMatch(l, $@"^{Regex.Escape(kernel)} +\d")));  // the name, then the case
        Assert.DoesNotContain("FAIL", run.Stdout);
        Assert.DoesNotContain("leak", run.Stdout);
        Assert.Contains("conformance: all passed", run.Stdout);

        OtkRun bad = OtkProcess.Run(["gpu", "check", "--kind", "cpu"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--kind cpu", bad.Stderr);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")] // the device path: resident batches, launches without transfers
    public void BenchKernels_PrintsARowPerKernel(string accelerator)
    {
        OtkRun run = OtkProcess.Bench(["kernels", "--accelerator", accelerator, "--pairs", "16", "--n", "8", "--iterations", "5",
            "--dense-n", "16", "--dense-pairs", "2", "--repeats", "1"]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        string[] rows = run.Stdout.Split('\n').Where(l => BenchRows.Any(l.StartsWith)).ToArray();
        Assert.Equal(BenchRows.Length, rows.Length);
        Assert.All(rows, r => Assert.True(double.Parse(r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^5].Replace(",", "")) > 0, r));
    }
}
