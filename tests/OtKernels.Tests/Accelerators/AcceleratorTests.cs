// The accelerator interface itself: selection and the reasons a backend offers no device,
// the ILGPU runtime's buffers and their accounting, and the wrapping of device failures.
// Runs on ILGPU's CPU accelerator (every host has it); what CUDA and OpenCL answer depends on
// the host, so those tests assert the answer the host's own listing predicts.
using FsCheck;
using FsCheck.Fluent;
using ILGPU;
using ILGPU.Runtime;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using Xunit;

namespace OtKernels.Tests.Accelerators;

public class AcceleratorTests
{
    [Fact]
    public void Create_Cpu_IsTheReference()
    {
        using OtKernels.Accelerators.Accelerator cpu = OtKernels.Accelerators.Accelerator.Create(AcceleratorKind.Cpu);
        Assert.IsType<CpuAccelerator>(cpu);
    }

    [Fact]
    public void Create_IlgpuCpu_IsADeviceWithTheTestGroupSize()
    {
        using var device = (DeviceAccelerator)OtKernels.Accelerators.Accelerator.Create(AcceleratorKind.IlgpuCpu);
        Assert.Equal(AcceleratorKind.IlgpuCpu, device.Kind);
        Assert.Equal(DeviceRuntime.CpuMaxGroupSize, device.MaxGroupSize);
        Assert.Null(device.PeakExpPerSecond); // peaks are known for CUDA devices only
        var (all, _) = OtKernels.Accelerators.Accelerator.All();
        try
        {
            Assert.Contains(all, a => a.Kind == AcceleratorKind.IlgpuCpu);
            Assert.Contains(all, a => a.Kind == AcceleratorKind.Cpu);
        }
        finally
        {
            foreach (var a in all) a.Dispose();
        }
    }

    [Theory]
    [InlineData(AcceleratorKind.Cuda, "CUDA")]
    [InlineData(AcceleratorKind.OpenCl, "OpenCL")]
    public void Create_AnAbsentBackend_SaysWhy_AndAPresentOneAnswers(AcceleratorKind kind, string name)
    {
        var (all, unavailable) = OtKernels.Accelerators.Accelerator.All();
        foreach (var a in all) a.Dispose();
        string? reason = unavailable.FirstOrDefault(u => u.StartsWith(name + ":"));
        if (reason is null)
        {
            using OtKernels.Accelerators.Accelerator device = OtKernels.Accelerators.Accelerator.Create(kind);
            Assert.Equal(kind, device.Kind);
            return;
        }
        var e = Assert.Throws<InvalidOperationException>(() => OtKernels.Accelerators.Accelerator.Create(kind));
        Assert.Equal($"No {name} device: {reason[(name.Length + 2)..]}", e.Message);
        Assert.Matches(@"not found|no (CUDA|OpenCL) device|do not qualify|answered", e.Message);
    }

    [Fact]
    public void Buffers_RoundTrip_AndAreFreedTogether()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        float[] values = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
        using (DeviceBuffers buffers = device.Buffers())
        {
            MemoryBuffer1D<float, Stride1D.Dense> buffer = buffers.Upload(values, "values");
            buffers.Allocate(0, "an empty output");
            Assert.Equal(values, buffer.GetAsArray1D());
            Assert.Equal(2, device.LiveBuffers);
        }
        Assert.Equal(0, device.LiveBuffers);
    }

    [Fact]
    public void Allocation_TheDeviceCannotHold_IsAClearError_AndLeaksNothing()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using (DeviceBuffers buffers = device.Buffers())
        {
            buffers.Allocate(16, "a first buffer");
            // 2^61 floats: within the CPU accelerator's reported (unbounded) memory, refused by the host.
            var e = Assert.Throws<InsufficientMemoryException>(() => buffers.Allocate(1L << 61, "the tape"));
            Assert.Contains("the tape", e.Message);
            Assert.Contains(device.Name, e.Message);
            Assert.Equal(1, device.LiveBuffers);
        }
        Assert.Equal(0, device.LiveBuffers);
        // Against a device's stated memory: 80 GiB, an H100's.
        var refusal = Assert.Throws<InsufficientMemoryException>(() => DeviceBuffers.RequireMemory(30L << 30, 80L << 30, "H100", "the tape"));
        Assert.Contains($"{120L << 30} bytes", refusal.Message);
        Assert.Equal(40L << 30, DeviceBuffers.RequireMemory(10L << 30, 80L << 30, "H100", "the tape"));
    }

    [Fact]
    public void DeviceFailures_NameTheDeviceAndTheOperation_ButArgumentErrorsPassThrough()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        var inner = new InvalidOperationException("launch failed");
        var e = Assert.Throws<OtKernels.Accelerators.AcceleratorException>(() => device.Run<int>("Sinkhorn.SolveBatch (SinkhornKernel.Clouds)", () => 0, _ => throw inner));
        Assert.Same(inner, e.InnerException);
        Assert.Equal(device.Name, e.Device);
        Assert.Equal("Sinkhorn.SolveBatch (SinkhornKernel.Clouds)", e.Operation);
        Assert.Contains("launch failed", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => device.Run<int>("op", () => 0, _ => throw new ArgumentOutOfRangeException("batch")));
        using var cpu = new CpuAccelerator();
        Assert.Equal(7, cpu.Run("op", () => 7, _ => 8));
        Assert.Equal(8, device.Run("op", () => 7, _ => 8));
    }

    [Fact]
    public void Operations_FromSeveralThreads_GiveTheSequentialResults()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        var rng = new Random(3);
        float[] Points(int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] w = Enumerable.Repeat(0.125f, 2 * 8).ToArray();
        var batch = new PointCloudBatch(2, 8, 8, 2, Points(32), Points(32), w, w);
        var options = new SinkhornOptions { Epsilon = 0.1, MaxIterations = 20, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
        float[] expected = Sinkhorn.SolveBatch(device, batch, options).F;
        var results = new float[4][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = Sinkhorn.SolveBatch(device, batch, options).F);
        Assert.All(results, f => Assert.Equal(expected, f));
        Assert.Equal(0, device.LiveBuffers);
    }

    [Fact]
    public void Operations_OnADisposedDevice_AreRefused()
    {
        DeviceAccelerator device = DeviceRuntime.CreateCpu();
        device.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Sinkhorn.SolveBatch(device, new PointCloudBatch(1, 1, 1, 1, new[] { 0f }, new[] { 1f }, new[] { 1f }, new[] { 1f }), new SinkhornOptions { Epsilon = 1 }));
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
        // The kernels compute |x - y|^2 and |x - y|; a Minkowski batch is refused by name.
        Assert.Equal("metric", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new PointCloudBatch(1, 2, 2, 1, new float[2], new float[2], w, w, OtKernels.Geometry.GroundMetric.Minkowski)).ParamName);
        Assert.Equal(5.0, new PointCloudBatch(1, 1, 1, 2, new[] { 0f, 0f }, new[] { 3f, 4f }, new[] { 1f }, new[] { 1f }, OtKernels.Geometry.GroundMetric.Euclidean).CostOf(0)[0, 0]);
    }

    [Fact]
    public void ParseKind_ReadsEveryName_AndRefusesOthers()
    {
        Assert.Equal(AcceleratorKind.OpenCl, OtKernels.Accelerators.Accelerator.ParseKind(" OpenCL "));
        Assert.Equal(AcceleratorKind.Cuda, OtKernels.Accelerators.Accelerator.ParseKind("cuda"));
        Assert.Equal(AcceleratorKind.Cpu, OtKernels.Accelerators.Accelerator.ParseKind("CPU"));
        Assert.Equal(AcceleratorKind.IlgpuCpu, OtKernels.Accelerators.Accelerator.ParseKind("ilgpu-cpu"));
        Assert.Equal(AcceleratorKind.Auto, OtKernels.Accelerators.Accelerator.ParseKind("auto"));
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => OtKernels.Accelerators.Accelerator.ParseKind("tpu")).ParamName);
    }

    [Fact]
    public void Environment_ChoosesTheAutoAccelerator_AndAnUnknownOneIsRefusedByName()
    {
        string? before = Environment.GetEnvironmentVariable(OtKernels.Accelerators.Accelerator.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(OtKernels.Accelerators.Accelerator.EnvironmentVariable, "tpu");
            var e = Assert.Throws<InvalidOperationException>(() => OtKernels.Accelerators.Accelerator.Create());
            Assert.Contains("OTK_ACCELERATOR=tpu", e.Message);
            Environment.SetEnvironmentVariable(OtKernels.Accelerators.Accelerator.EnvironmentVariable, "cpu");
            using (OtKernels.Accelerators.Accelerator cpu = OtKernels.Accelerators.Accelerator.Create()) Assert.IsType<CpuAccelerator>(cpu);
            Environment.SetEnvironmentVariable(OtKernels.Accelerators.Accelerator.EnvironmentVariable, "ilgpu-cpu");
            using (OtKernels.Accelerators.Accelerator device = OtKernels.Accelerators.Accelerator.Create()) Assert.Equal(AcceleratorKind.IlgpuCpu, device.Kind);
        }
        finally
        {
            Environment.SetEnvironmentVariable(OtKernels.Accelerators.Accelerator.EnvironmentVariable, before);
        }
    }

    [Fact]
    public void DivergenceLaunch_ReservesSharedMemoryForItsLargestTerm()
    {
        // Each group of the divergence kernel solves one of three problems; the shared memory of
        // the launch must hold the largest layout, which for n much smaller than m is the
        // target's self-term (m points, an m x m solve), not the cross problem.
        Prop.ForAll((from n in Gen.Choose(1, 256) from m in Gen.Choose(1, 256) from d in Gen.Choose(1, 64) select (n, m, d)).ToArbitrary(), t =>
        {
            int group = 32 * ((Math.Max(t.n, t.m) + 31) / 32);
            int floats = SinkhornKernel.DivergenceWorkFloats(t.n, t.m, t.d, group);
            Assert.True(floats >= SinkhornKernel.WorkFloats(t.n, t.m, t.d, group));
            foreach (int count in new[] { t.n, t.m })
                Assert.True(floats >= SinkhornKernel.WorkFloats(count, count, t.d, group) - count * t.d, $"{t}: {floats} floats for a {count}-point self-term");
        }).QuickCheckThrowOnFailure();
    }
}
