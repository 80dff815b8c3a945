// The ILGPU ports of the reverse passes (issue 15): on ILGPU's CPU accelerator against the
// CPU code, the converged pass from the same forward result and the unrolled pass through
// the same L iterations, on generated batches with zero weights planted; compiled to PTX.
using System.Reflection;
using FsCheck;
using FsCheck.Fluent;
using ILGPU.Runtime.Cuda;
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Autodiff.Entropic.Device;
using OtKernels.Conformance;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

/// <summary>What the reverse-kernel tests share: small batches for ILGPU's CPU accelerator
/// (a thread per kernel thread), the comparison and the PTX checks.</summary>
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
        from metric in Gen.Elements(GroundMetric.SqEuclidean, GroundMetric.Euclidean)
        select new ConformanceCase(batch, n, m, d, eps / 100.0, seed, zeros, metric);

    public static float[] Upstream(ConformanceCase c) => Enumerable.Range(0, c.Batch).Select(k => 1f + 0.5f * k).ToArray();

    /// <summary>Each gradient against its own scale, floored at 10% of the case's largest
    /// reference value for outputs near zero, as the conformance suite measures (float sums
    /// in another order: KernelConformance.IterationTolerance). A point's gradient is a sum
    /// of signed terms P_ij dC/dx_i that can cancel (in 1-D under W1 they are +-P_ij), so the
    /// float error of the terms, not of their sum, sets its scale: the x and y scales are
    /// floored at the terms' bound, upstream x the largest weight x the largest |dC/dx|
    /// (1 for |x - y|, 2 x the coordinates' span for |x - y|^2).</summary>
    public static void AssertClose(ConformanceCase c, CloudGradients kernel, CloudGradients reference)
    {
        double overall = new[] { reference.A, reference.B, reference.X, reference.Y }.SelectMany(v => v).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
        PointCloudBatch batch = c.Generate();
        float[] coordinates = [.. batch.X.ToArray(), .. batch.Y.ToArray()];
        double slope = c.Metric == GroundMetric.Euclidean ? 1 : 2 * (coordinates.Max() - (double)coordinates.Min());
        double terms = Upstream(c).Max() * Math.Max(batch.A.ToArray().Max(), batch.B.ToArray().Max()) * slope;
        foreach ((string name, float[] actual, float[] expected) in new[] { ("a", kernel.A, reference.A), ("b", kernel.B, reference.B),
                     ("x", kernel.X, reference.X), ("y", kernel.Y, reference.Y) })
        {
            double scale = Math.Max(Math.Max(0.1 * overall, 1e-30), expected.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
            if (name is "x" or "y") scale = Math.Max(scale, terms);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= KernelConformance.IterationTolerance * scale,
                    $"{c}: d/d{name}[{i}] = {actual[i]} on the kernel, {expected[i]} on the CPU");
        }
    }

    public static void AssertPtxWithoutSpills(MethodInfo kernel)
    {
        foreach (CudaArchitecture architecture in new[] { CudaArchitecture.SM_80, CudaArchitecture.SM_90 })
        {
            string ptx = DeviceRuntime.Ptx(kernel, architecture);
            Assert.Contains(".visible .entry", ptx);
            Assert.DoesNotContain(".local", ptx);
        }
    }
}

public class SinkhornCloudsBackwardKernelTests
{
    [Fact]
    public void EnvelopeGradients_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Prop.ForAll(KernelCases.Generator(24).ToArbitrary(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-4, EpsilonScaling = 0.5 };
            SinkhornResult<float> forward = Sinkhorn.SolveBatch(cpu, batch, options);
            float[] upstream = KernelCases.Upstream(c);
            KernelCases.AssertClose(c, SinkhornBackward.Gradients(device, batch, forward, upstream),
                SinkhornBackward.Gradients(cpu, batch, forward, upstream));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    /// <summary>20 problems of 20 points: 16 teams in a first group, 4 in a second whose other
    /// teams have no problem and must write nothing (they read the last problem).</summary>
    [Fact]
    public void EnvelopeGradients_InPackedAndPartialGroups_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        var c = new ConformanceCase(20, 20, 17, 2, 0.2, 99);
        PointCloudBatch batch = c.Generate();
        Assert.Equal(new Packing(16, 16, 2), Packing.For(device, c.Batch, c.N, c.M, team => SinkhornCloudsBackwardKernel.WorkFloats(c.N, c.M, c.Dimension, team), "batch", "test"));
        var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-4 };
        float[] upstream = KernelCases.Upstream(c);
        SinkhornResult<float> forward = Sinkhorn.SolveBatch(cpu, batch, options);
        KernelCases.AssertClose(c, SinkhornBackward.Gradients(device, batch, forward, upstream), SinkhornBackward.Gradients(cpu, batch, forward, upstream));
        SinkhornDivergenceResult<float> divergence = SinkhornDivergence.SolveBatch(cpu, batch, options);
        KernelCases.AssertClose(c, SinkhornDivergenceBackward.Gradients(device, batch, divergence, upstream),
            SinkhornDivergenceBackward.Gradients(cpu, batch, divergence, upstream));
    }

    /// <summary>Unbalanced results (b at 1.5 times a's mass): the kernel's positions and the
    /// host's unbalanced weight gradients against the CPU, for OT and the divergence.</summary>
    [Fact]
    public void UnbalancedEnvelopeGradients_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Prop.ForAll(KernelCases.Generator(16).ToArbitrary(), c =>
        {
            PointCloudBatch balanced = c.Generate();
            PointCloudBatch batch = PointCloudBatch.Unbalanced(c.Batch, c.N, c.M, c.Dimension, balanced.X, balanced.Y, balanced.A,
                balanced.B.ToArray().Select(w => 1.5f * w).ToArray(), c.Metric);
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 5000, Tolerance = 1e-4, EpsilonScaling = 0.5, MarginalPenalty = 0.4 };
            float[] upstream = KernelCases.Upstream(c);
            SinkhornResult<float> forward = Sinkhorn.SolveBatch(cpu, batch, options);
            KernelCases.AssertClose(c, SinkhornBackward.Gradients(device, batch, forward, upstream), SinkhornBackward.Gradients(cpu, batch, forward, upstream));
            SinkhornDivergenceResult<float> divergence = SinkhornDivergence.SolveBatch(cpu, batch, options);
            KernelCases.AssertClose(c, SinkhornDivergenceBackward.Gradients(device, batch, divergence, upstream),
                SinkhornDivergenceBackward.Gradients(cpu, batch, divergence, upstream));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    [Fact]
    public void Kernel_CompilesToPtx_WithoutSpills() =>
        KernelCases.AssertPtxWithoutSpills(typeof(SinkhornCloudsBackwardKernel).GetMethod(nameof(SinkhornCloudsBackwardKernel.Gradients))!);
}

public class SinkhornCloudsUnrolledKernelTests
{
    [Fact]
    public void UnrolledGradients_MatchTheCpu_WhereFloatCanCompareThem()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll(KernelCases.Generator(20).Where(UnrolledConditioning.WellConditioned).ToArbitrary(), c => AssertUnrolledMatches(device, c))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    /// <summary>As for the envelope kernel: 20 problems in a full and a partial group.</summary>
    [Fact]
    public void UnrolledGradients_InPackedAndPartialGroups_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        AssertUnrolledMatches(device, new ConformanceCase(20, 20, 17, 2, 0.5, 7, PlantZeros: false));
    }

    /// <summary>Unbalanced runs (b at 1.5 times a's mass, rho 0.5): the damped reverse sweep.</summary>
    [Fact]
    public void UnbalancedUnrolledGradients_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll(KernelCases.Generator(16).Where(UnrolledConditioning.WellConditioned).ToArbitrary(), c => AssertUnrolledMatches(device, c, rho: 0.5))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    /// <summary>10 unrolled iterations and their reverse on the device and on the CPU: the
    /// same iteration counts, the gradients within the conformance tolerance.</summary>
    private static void AssertUnrolledMatches(DeviceAccelerator device, ConformanceCase c, double rho = double.PositiveInfinity)
    {
        using var cpu = new CpuAccelerator();
        PointCloudBatch batch = c.Generate();
        if (!double.IsPositiveInfinity(rho))
            batch = PointCloudBatch.Unbalanced(c.Batch, c.N, c.M, c.Dimension, batch.X, batch.Y, batch.A, batch.B.ToArray().Select(w => 1.5f * w).ToArray(), c.Metric);
        var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 10, Mode = SinkhornMode.Unrolled, Tolerance = 0, MarginalPenalty = rho };
        float[] upstream = KernelCases.Upstream(c);
        (SinkhornResult<float> result, CloudGradients kernel) = SinkhornBackward.UnrolledValueAndGradients(device, batch, options, upstream);
        (SinkhornResult<float> cpuResult, CloudGradients reference) = SinkhornBackward.UnrolledValueAndGradients(cpu, batch, options, upstream);
        Assert.Equal(cpuResult.Iterations, result.Iterations);
        KernelCases.AssertClose(c, kernel, reference);
    }

    [Fact]
    public void Kernel_CompilesToPtx_WithoutSpills() =>
        KernelCases.AssertPtxWithoutSpills(typeof(SinkhornCloudsUnrolledKernel).GetMethod(nameof(SinkhornCloudsUnrolledKernel.Gradients))!);
}
