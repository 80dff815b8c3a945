// The ILGPU port of the converged reverse pass (issue 15): on ILGPU's CPU accelerator
// against the CPU's envelope gradients (BatchedSinkhornBackward.Gradients on the CPU) from
// the same forward result, on generated batches with zero weights planted; compiled to PTX.
using FsCheck;
using FsCheck.Fluent;
using ILGPU.Runtime.Cuda;
using OtKernels.Accelerators;
using OtKernels.Accelerators.Cpu;
using OtKernels.Autodiff.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Autodiff.Entropic.Device;
using OtKernels.Entropic;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

/// <summary>Small batches for ILGPU's CPU accelerator, which runs a thread per kernel thread.</summary>
internal static class KernelCases
{
    public static Gen<ConformanceCase> Generator(int maxPoints) =>
        from batch in Gen.Choose(1, 3)
        from n in Gen.Choose(1, maxPoints)
        from m in Gen.Choose(1, maxPoints)
        from d in Gen.Choose(1, 3)
        from eps in Gen.Choose(5, 100)
        from seed in Gen.Choose(0, int.MaxValue)
        from zeros in Gen.Elements(true, false)
        select new ConformanceCase(batch, n, m, d, eps / 100.0, seed, zeros);
}

public class SinkhornCloudsBackwardKernelTests
{
    [Fact]
    public void EnvelopeGradients_MatchTheCpu()
    {
        using ILGPU.Runtime.CPU.CPUAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Prop.ForAll(KernelCases.Generator(24).ToArbitrary(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-4, EpsilonScaling = 0.5 };
            SinkhornResult<float> forward = BatchedSinkhorn.SolveClouds(cpu, batch, options);
            float[] upstream = Enumerable.Range(0, c.Batch).Select(k => 1f + 0.5f * k).ToArray();
            CloudGradients kernel = SinkhornCloudsBackwardKernel.Run(device, batch, forward, upstream);
            CloudGradients reference = BatchedSinkhornBackward.Gradients(cpu, batch, forward, upstream);
            // The same potentials on both sides: only the float sums' order differs
            // (Conformance.IterationTolerance, measured against each output's scale).
            foreach ((string name, float[] actual, float[] expected) in new[] { ("a", kernel.A, reference.A), ("b", kernel.B, reference.B),
                         ("x", kernel.X, reference.X), ("y", kernel.Y, reference.Y) })
            {
                double scale = Math.Max(1e-3, expected.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(actual[i] - expected[i]) <= Conformance.IterationTolerance * scale,
                        $"{c}: d/d{name}[{i}] = {actual[i]} on the kernel, {expected[i]} on the CPU");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    [Theory]
    [InlineData(8, 0)]
    [InlineData(9, 0)]
    public void Kernel_CompilesToPtx_WithoutSpills(int major, int minor)
    {
        string ptx = DeviceRuntime.Ptx(typeof(SinkhornCloudsBackwardKernel).GetMethod(nameof(SinkhornCloudsBackwardKernel.Gradients))!,
            new CudaArchitecture(major, minor));
        Assert.Contains(".visible .entry", ptx);
        Assert.DoesNotContain(".local", ptx);
    }
}

public class SinkhornCloudsUnrolledKernelTests
{
    [Fact]
    public void UnrolledGradients_MatchTheCpu_WhereFloatCanCompareThem()
    {
        using ILGPU.Runtime.CPU.CPUAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Prop.ForAll(KernelCases.Generator(20).Where(UnrolledConditioning.WellConditioned).ToArbitrary(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 10, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
            float[] upstream = Enumerable.Range(0, c.Batch).Select(k => 1f + 0.5f * k).ToArray();
            (SinkhornResult<float> result, CloudGradients kernel) = SinkhornCloudsUnrolledKernel.ValueAndGradients(device, batch, options, upstream);
            (SinkhornResult<float> cpuResult, CloudGradients reference) = BatchedSinkhornBackward.UnrolledValueAndGradients(cpu, batch, options, upstream);
            Assert.Equal(cpuResult.Iterations, result.Iterations);
            // Norm-wise against each output's scale, with the floor the conformance suite uses
            // for outputs near zero (10% of the largest reference value of the case).
            double overall = new[] { reference.A, reference.B, reference.X, reference.Y }.SelectMany(v => v).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
            foreach ((string name, float[] actual, float[] expected) in new[] { ("a", kernel.A, reference.A), ("b", kernel.B, reference.B),
                         ("x", kernel.X, reference.X), ("y", kernel.Y, reference.Y) })
            {
                double scale = Math.Max(0.1 * overall, expected.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(actual[i] - expected[i]) <= Conformance.IterationTolerance * Math.Max(scale, 1e-30),
                        $"{c}: d/d{name}[{i}] = {actual[i]} on the kernel, {expected[i]} on the CPU");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    [Theory]
    [InlineData(8, 0)]
    [InlineData(9, 0)]
    public void Kernel_CompilesToPtx_WithoutSpills(int major, int minor)
    {
        string ptx = DeviceRuntime.Ptx(typeof(SinkhornCloudsUnrolledKernel).GetMethod(nameof(SinkhornCloudsUnrolledKernel.Gradients))!,
            new CudaArchitecture(major, minor));
        Assert.Contains(".visible .entry", ptx);
        Assert.DoesNotContain(".local", ptx);
    }
}
