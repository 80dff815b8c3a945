using FsCheck;
using FsCheck.Fluent;
// The accelerator interface itself: selection, buffers, compilation and launch errors, and
// that failures leak no device memory. Runs on the machine's OpenCL device (PoCL in CI).
using OtKernels.Accelerators;
using OtKernels.Accelerators.Cpu;
using OtKernels.Accelerators.OpenCl;
using OtKernels.Entropic;
using Xunit;

namespace OtKernels.Tests.Accelerators;

public class AcceleratorTests
{
    private static OpenClAccelerator OpenCl() =>
        Accelerator.Create(AcceleratorKind.OpenCl) as OpenClAccelerator
        ?? throw new InvalidOperationException("No OpenCL device: run tools/test.sh, which installs pocl-opencl-icd.");

    [Fact]
    public void Create_Cpu_IsTheReference()
    {
        using Accelerator cpu = Accelerator.Create(AcceleratorKind.Cpu);
        Assert.IsType<CpuAccelerator>(cpu);
    }

    [Fact]
    public void Create_OpenCl_FindsADeviceWithLocalMemory()
    {
        using OpenClAccelerator device = OpenCl();
        Assert.True(device.LocalMemoryBytes >= 32 * 1024, $"{device.Name}: {device.LocalMemoryBytes} bytes");
        Assert.True(device.MaxGroupSize >= 64);
        Assert.Contains(Accelerator.All().Accelerators, a => a.Kind == AcceleratorKind.OpenCl);
    }

    [Fact]
    public void Buffers_RoundTrip_AndRefuseOutOfRangeCopies()
    {
        using OpenClAccelerator device = OpenCl();
        float[] values = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
        using (DeviceBuffer<float> buffer = device.Upload<float>(values))
        {
            Assert.Equal(values, buffer.ToArray());
            buffer.Upload(new float[] { -1, -2 }, offset: 998);
            var tail = new float[3];
            buffer.Download(tail, offset: 997);
            Assert.Equal(new float[] { 498.5f, -1, -2 }, tail);
            Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Upload(new float[2], offset: 999));
        }
        Assert.Equal(0, device.LiveBuffers);
    }

    [Fact]
    public void Allocation_BeyondTheDeviceLimit_NamesTheApiErrorAndLeaksNothing()
    {
        using OpenClAccelerator device = OpenCl();
        var e = Assert.Throws<AcceleratorException>(() => device.Allocate<float>(device.MaxAllocationBytes / sizeof(float) + 1024));
        Assert.Equal("clCreateBuffer", e.Call);
        Assert.StartsWith("CL_", e.ErrorName);
        Assert.Equal(0, device.LiveBuffers);
    }

    [Fact]
    public void Compilation_Failure_CarriesTheBuildLog()
    {
        using OpenClAccelerator device = OpenCl();
        var e = Assert.Throws<AcceleratorException>(() => device.Kernel("sinkhorn.cl", "sinkhorn_clouds", "#define DIM )\n"));
        Assert.Equal("CL_BUILD_PROGRAM_FAILURE", e.ErrorName);
        Assert.Contains("error", e.Message);
    }

    [Fact]
    public void Launch_TooLargeForLocalMemory_IsAClearErrorAndLeaksNothing()
    {
        using OpenClAccelerator device = OpenCl();
        // The request is sized from the device's own limit (PoCL reports the host's cache, from
        // 256 KiB to over 1 MiB), so the condition holds on every host: at the largest
        // dimension each point costs 2 d + 9 floats, and n points more than the device has.
        int d = SinkhornKernels.MaxDimension;
        int n = (int)(device.LocalMemoryBytes / (4 * (2 * d + 9))) + 1;
        int group = SinkhornKernels.GroupSize(device, n, n);
        Assert.True(SinkhornKernels.ForwardLocalBytes(n, n, d, group) > device.LocalMemoryBytes);
        var x = new float[n * d];
        var w = Enumerable.Repeat(1f / n, n).ToArray();
        var batch = new PointCloudBatch(1, n, n, d, x, x, w, w);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchedSinkhorn.SolveClouds(device, batch, new SinkhornOptions { Epsilon = 1 }));
        Assert.Contains("local memory", e.Message);
        Assert.Equal(0, device.LiveBuffers);
    }

    [Fact]
    public void Dimension_AboveTheKernelLimit_IsRefused()
    {
        using OpenClAccelerator device = OpenCl();
        int d = SinkhornKernels.MaxDimension + 1;
        var batch = new PointCloudBatch(1, 2, 2, d, new float[2 * d], new float[2 * d], new[] { 0.5f, 0.5f }, new[] { 0.5f, 0.5f });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchedSinkhorn.SolveClouds(device, batch, new SinkhornOptions { Epsilon = 1 }));
        Assert.Equal("dimension", e.ParamName);
        Assert.Equal(0, device.LiveBuffers);
    }

    [Fact]
    public void PointCloudBatch_BadInput_NamesArgumentAndIndex()
    {
        var w = new[] { 0.5f, 0.5f };
        var e = Assert.Throws<ArgumentException>(() => new PointCloudBatch(1, 2, 2, 1, new[] { 0f, float.NaN }, new[] { 0f, 1f }, w, w));
        Assert.Contains("x[1]", e.Message);
        e = Assert.Throws<ArgumentException>(() => new PointCloudBatch(2, 2, 2, 1, new float[4], new float[4], new[] { 0.5f, 0.5f, 0.5f, -0.5f }, new float[] { 0.5f, 0.5f, 0.5f, 0.5f }));
        Assert.Contains("Problem 1", e.Message);
        Assert.Throws<ArgumentException>(() => new PointCloudBatch(1, 2, 2, 2, new float[3], new float[4], w, w));
    }

    [Fact]
    public void ParseKind_ReadsEveryName_AndRefusesOthers()
    {
        Assert.Equal(AcceleratorKind.OpenCl, Accelerator.ParseKind(" OpenCL "));
        Assert.Equal(AcceleratorKind.Cuda, Accelerator.ParseKind("cuda"));
        Assert.Equal(AcceleratorKind.Cpu, Accelerator.ParseKind("CPU"));
        Assert.Equal(AcceleratorKind.Auto, Accelerator.ParseKind("auto"));
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => Accelerator.ParseKind("tpu")).ParamName);
    }

    [Fact]
    public void Environment_UnknownAccelerator_IsRefusedByName()
    {
        string? before = Environment.GetEnvironmentVariable(Accelerator.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Accelerator.EnvironmentVariable, "tpu");
            var e = Assert.Throws<InvalidOperationException>(() => Accelerator.Create());
            Assert.Contains("OTK_ACCELERATOR=tpu", e.Message);
            Environment.SetEnvironmentVariable(Accelerator.EnvironmentVariable, "cpu");
            using Accelerator cpu = Accelerator.Create();
            Assert.IsType<CpuAccelerator>(cpu);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Accelerator.EnvironmentVariable, before);
        }
    }

    [Fact]
    public void DivergenceLaunch_ReservesLocalMemoryForItsLargestTerm()
    {
        // Each work-group of the divergence kernel solves one of three problems; the local
        // memory of the launch must hold the largest layout, which for n much smaller than m
        // is the target's self-term (m points, an m x m solve), not the cross problem.
        Prop.ForAll((from n in Gen.Choose(1, 256) from m in Gen.Choose(1, 256) from d in Gen.Choose(1, 64) select (n, m, d)).ToArbitrary(), t =>
        {
            int group = 32 * ((Math.Max(t.n, t.m) + 31) / 32);
            int bytes = SinkhornKernels.DivergenceLocalBytes(t.n, t.m, t.d, group);
            Assert.True(bytes >= SinkhornKernels.ForwardLocalBytes(t.n, t.m, t.d, group));
            foreach (int count in new[] { t.n, t.m })
                Assert.True(bytes >= 4 * (count * t.d + 9 * count + group), $"{t}: {bytes} bytes for a {count}-point self-term"); // SolveWork(count, count)
        }).QuickCheckThrowOnFailure();
    }
}
