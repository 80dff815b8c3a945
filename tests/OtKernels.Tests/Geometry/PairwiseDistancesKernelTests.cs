// The ILGPU port of the pairwise-distance kernel (issue 15's first kernel): run on ILGPU's CPU
// accelerator against the CPU code over shapes that cross every tile edge, and compiled to
// PTX for SM_80 and SM_90 with what can be checked without a GPU.
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using OtKernels.Accelerators;
using OtKernels.Geometry;
using OtKernels.Geometry.Device;
using Xunit;

namespace OtKernels.Tests.Geometry;

public class PairwiseDistancesKernelTests
{
    [Fact]
    public void IlgpuKernel_OnTheCpuAccelerator_MatchesTheCpuCode()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Gen<int> sizes = Gen.OneOf(Gen.Choose(1, 40), Gen.Elements(15, 16, 17, 32, 33));
        Prop.ForAll((from p in sizes from q in sizes from d in sizes from seed in Gen.Choose(0, int.MaxValue) select (p, q, d, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] u = Enumerable.Range(0, t.p * t.d).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            float[] v = Enumerable.Range(0, t.q * t.d).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            if (t.p > 1 && t.q > 1) Array.Copy(u, 0, v, t.d, t.d); // u_0 = v_1: an exact zero on both sides
            float[] expected = PairwiseDistances.SquaredEuclidean(cpu, u, v, t.d);

            float[] actual = PairwiseDistances.SquaredEuclidean(device, u, v, t.d);

            // Both sum d positive squares in float, in different orders: each is within
            // d x 2^-24 of the exact sum, relative.
            for (int k = 0; k < expected.Length; k++)
                Assert.True(Math.Abs(actual[k] - expected[k]) <= 2 * t.d * Math.ScaleB(1, -24) * expected[k],
                    $"{t}: D[{k / t.q}, {k % t.q}] = {actual[k]} on the device, {expected[k]} on the CPU");
            if (t.p > 1 && t.q > 1) Assert.Equal(0f, actual[1]);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Theory]
    [InlineData(8, 0)] // A100
    [InlineData(9, 0)] // H100, H200
    public void IlgpuKernel_CompilesToPtx_WithItsSharedTiles_AndNoSpills(int major, int minor)
    {
        string ptx = DeviceRuntime.Ptx(typeof(PairwiseDistancesKernel).GetMethod(nameof(PairwiseDistancesKernel.SquaredEuclidean))!,
            new CudaArchitecture(major, minor));
        Assert.Contains(".visible .entry", ptx);
        Assert.DoesNotContain(".local", ptx); // no register spills to local memory
        int sharedBytes = Regex.Matches(ptx, @"\.shared\s+\.align\s+\d+\s+\.b8\s+\w+\[(\d+)\]").Sum(m => int.Parse(m.Groups[1].Value));
        Assert.Equal(PairwiseDistancesKernel.SharedFloats * sizeof(float), sharedBytes);
    }

    [Fact]
    public void Launch_OnAnAcceleratorWithSmallerGroups_IsAClearError()
    {
        using var context = ILGPU.Context.Create(b => b.CPU(new ILGPU.Runtime.CPU.CPUDevice(4, 4, 1)));
        using var small = new DeviceAccelerator(context.CreateCPUAccelerator(0), AcceleratorKind.IlgpuCpu);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PairwiseDistances.SquaredEuclidean(small, [0f, 1f], [0f, 1f], 1));
        Assert.Contains("256", e.Message);
        Assert.Equal(0, small.LiveBuffers);
    }
}
