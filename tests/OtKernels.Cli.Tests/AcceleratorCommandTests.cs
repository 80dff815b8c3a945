// otk gpu check and otk bench kernels, run as a user would: on this machine's OpenCL device
// (PoCL in CI) and the CPU.
using Xunit;

namespace OtKernels.Cli.Tests;

public class AcceleratorCommandTests
{
    [Fact]
    public void GpuCheck_OnOpenCl_PrintsEveryKernelAndPasses()
    {
        OtkRun run = OtkProcess.Run(["gpu", "check", "--kind", "opencl"]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("device: OpenCl:", run.Stdout);
        foreach (string kernel in new[] { "sinkhorn_clouds fixed iterations", "sinkhorn_clouds_backward_unrolled", "sinkhorn_divergence_clouds",
                     "sinkhorn_dense one-against-many", "pairwise_squared_distances" })
            Assert.Contains(kernel, run.Stdout);
        Assert.DoesNotContain("FAIL", run.Stdout);
        Assert.Contains("conformance: all passed", run.Stdout);
    }

    [Fact]
    public void BenchKernels_PrintsARowPerKernel_AndRefusesUnknownAccelerators()
    {
        OtkRun run = OtkProcess.Run(["bench", "kernels", "--accelerator", "cpu", "--pairs", "16", "--n", "8", "--dense-n", "16",
            "--dense-pairs", "2", "--repeats", "1"]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        string[] rows = run.Stdout.Split('\n').Where(l => l.StartsWith("sinkhorn") || l.StartsWith("pairwise")).ToArray();
        Assert.Equal(6, rows.Length);
        Assert.All(rows, r => Assert.True(double.Parse(r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^5].Replace(",", "")) > 0, r));

        OtkRun bad = OtkProcess.Run(["bench", "kernels", "--accelerator", "tpu"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--accelerator tpu", bad.Stderr);
    }
}
