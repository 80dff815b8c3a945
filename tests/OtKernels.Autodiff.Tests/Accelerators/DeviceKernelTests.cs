// Every device kernel against the CPU code on FsCheck-generated batches, through OpenCL on
// whatever device the machine has (PoCL on the CPU in CI: tools/test.sh installs it, so
// these run on every test run), and through CUDA when a device answers. Tolerances are
// Conformance's, justified there.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Accelerators.Cpu;
using OtKernels.Accelerators.Cuda;
using OtKernels.Accelerators.OpenCl;
using OtKernels.Autodiff.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using Xunit;

namespace OtKernels.Autodiff.Tests.Accelerators;

/// <summary>One OpenCL accelerator for the test run: kernels compile once per variant.</summary>
internal static class OpenClDevice
{
    private static readonly Lazy<OpenClAccelerator> Shared = new(() =>
        Accelerator.Create(AcceleratorKind.OpenCl) as OpenClAccelerator
        ?? throw new InvalidOperationException("No OpenCL device: run tools/test.sh, which installs pocl-opencl-icd."));

    public static OpenClAccelerator Instance => Shared.Value;
}

/// <summary>A fact that runs only when a CUDA device answers, skipped with the reason otherwise.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        try
        {
            var (accelerators, unavailable) = Accelerator.All();
            foreach (Accelerator accelerator in accelerators) accelerator.Dispose();
            if (unavailable.FirstOrDefault(u => u.StartsWith("CUDA")) is { } reason) Skip = reason;
        }
        catch (AcceleratorException e)
        {
            Skip = $"CUDA: {e.Message}";
        }
    }
}

public class DeviceKernelTests
{
    /// <summary>Batches of up to 4 problems of 1..32 points in 2 or 3 dimensions (so that each
    /// kernel compiles in two variants), eps from 0.05 to 1, with and without zero weights.</summary>
    private static Arbitrary<ConformanceCase> Cases() =>
        (from batch in Gen.Choose(1, 4)
         from n in Gen.Choose(1, 32)
         from m in Gen.Choose(1, 32)
         from d in Gen.Choose(2, 3)
         from eps in Gen.Choose(5, 100)
         from seed in Gen.Choose(0, int.MaxValue)
         from zeros in Gen.Elements(true, false)
         select new ConformanceCase(batch, n, m, d, eps / 100.0, seed, zeros)).ToArbitrary();

    [Theory]
    [InlineData("sinkhorn_clouds fixed iterations")]
    [InlineData("sinkhorn_clouds tolerance + eps-scaling")]
    [InlineData("sinkhorn_clouds_backward converged")]
    [InlineData("sinkhorn_clouds_backward_unrolled")]
    [InlineData("sinkhorn_divergence_clouds")]
    [InlineData("sinkhorn_divergence backward")]
    [InlineData("sinkhorn_dense one-against-many")]
    [InlineData("pairwise_squared_distances")]
    [InlineData("barycenter_step + barycenter_mean")]
    public void OpenClKernel_MatchesTheCpu(string kernel)
    {
        Arbitrary<ConformanceCase> cases = kernel == "sinkhorn_clouds_backward_unrolled"
            ? Cases().Generator.Where(UnrolledConditioning.WellConditioned).ToArbitrary()
            : Cases();
        Prop.ForAll(cases, c =>
        {
            ConformanceRow row = Conformance.Check(OpenClDevice.Instance, kernel, c);
            Assert.True(row.Passed, $"{row}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(12));
    }

    [Fact]
    public void ZeroWeightAmplification_FlagsTheCaseTheFreshSeedAuditFound() =>
        // FsCheck replay (3226506322915962484,7328256625592010415,59): b = (1, 0), the
        // zero-weight target nearer every source; device and CPU differed by 2.45 in d/db.
        Assert.True(UnrolledConditioning.ZeroWeightAmplification(new ConformanceCase(3, 15, 2, 2, 0.05, 790278892)) > 1e9);

    [Fact]
    public void OpenClFixedIterations_ReportTheCpusIterationsAndStatuses()
    {
        Prop.ForAll(Cases(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 25, Mode = SinkhornMode.Unrolled, Tolerance = 1e-3 };
            SinkhornResult<float> device = BatchedSinkhorn.SolveClouds(OpenClDevice.Instance, batch, options);
            SinkhornResult<float> cpu = BatchedSinkhorn.SolveClouds(new CpuAccelerator(), batch, options);
            Assert.Equal(cpu.Iterations, device.Iterations);
            Assert.Equal(cpu.Status, device.Status);
            for (int k = 0; k < c.Batch; k++) Assert.Equal(cpu.MarginalError[k], device.MarginalError[k], 1e-5);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    [Fact]
    public void OpenClOverRelaxedAndSymmetricPaths_MatchTheCpu()
    {
        // Over-relaxation (omega = 1.5) exercises the relaxed branch of the forward kernel. The
        // tolerance is one float can certify at this epsilon (1e-6 is below its rounding floor,
        // and both paths then say PrecisionLimit).
        var c = new ConformanceCase(3, 20, 17, 2, 0.2, 7);
        PointCloudBatch batch = c.Generate();
        var options = new SinkhornOptions { Epsilon = 0.2, Tolerance = 1e-4, OverRelaxation = 1.5, MaxIterations = 500 };
        SinkhornResult<float> device = BatchedSinkhorn.SolveClouds(OpenClDevice.Instance, batch, options);
        SinkhornResult<float> cpu = BatchedSinkhorn.SolveClouds(new CpuAccelerator(), batch, options);
        for (int k = 0; k < c.Batch; k++)
        {
            Assert.Equal(SinkhornStatus.Converged, device.Status[k]);
            Assert.Equal(SinkhornStatus.Converged, cpu.Status[k]);
            Assert.Equal(cpu.Value[k], device.Value[k], 1e-5);
        }
        // Below float's rounding floor the device's own "converged" is not certified either.
        SinkhornResult<float> uncertified = BatchedSinkhorn.SolveClouds(OpenClDevice.Instance, batch, options with { Tolerance = 1e-7 });
        Assert.All(uncertified.Status, s => Assert.Equal(SinkhornStatus.PrecisionLimit, s));
        Assert.All(uncertified.MarginalError, e => Assert.True(e > 1e-7));
    }

    [Theory]
    [InlineData("sinkhorn_clouds fixed iterations")]
    [InlineData("sinkhorn_clouds_backward_unrolled")]
    public void OpenClKernel_AtTheLargestStatedSize_MatchesTheCpu(string kernel)
    {
        // n = m = 256 points in R^64: the size the kernels promise (140 KiB of local memory).
        ConformanceRow row = Conformance.Check(OpenClDevice.Instance, kernel, new ConformanceCase(1, 256, 256, 64, 2.0, 5));
        Assert.True(row.Passed, $"{row}");
    }

    [Fact]
    public void OpenClBarycenter_StopsByTheSameRule_AsTheCpu()
    {
        var grid = new OtKernels.Geometry.ImageGridCost(6, 7);
        var rng = new Random(11);
        double[] images = Enumerable.Range(0, 3 * 42).Select(_ => rng.NextDouble() < 0.3 ? 0 : rng.NextDouble()).ToArray();
        // The device runs the log-domain iteration; on a grid the CPU would take the kernel form.
        var options = new BarycenterOptions { Epsilon = 1.0, Tolerance = 1e-5, MaxIterations = 5000, Domain = BarycenterDomain.Log };
        BarycenterResult device = Barycenter.Bregman(OpenClDevice.Instance, grid, images, [], options);
        BarycenterResult cpu = Barycenter.Bregman(new CpuAccelerator(), grid, images, [], options);
        Assert.Equal(SinkhornStatus.Converged, cpu.Status);
        Assert.Equal(SinkhornStatus.Converged, device.Status);
        Assert.InRange(device.Iterations, cpu.Iterations - 10, cpu.Iterations + 10); // one check apart at most
        Assert.Throws<ArgumentException>(() => Barycenter.Bregman(OpenClDevice.Instance, grid, images, [], options with { Domain = BarycenterDomain.Kernel }));
        double scale = cpu.Barycenter.Max();
        for (int p = 0; p < 42; p++) Assert.Equal(cpu.Barycenter[p], device.Barycenter[p], 1e-4 * scale);
    }

    [Fact]
    public void ReversePasses_RefuseAResultOfAnotherBatch()
    {
        PointCloudBatch batch = new ConformanceCase(2, 5, 4, 2, 0.5, 1).Generate(), other = new ConformanceCase(2, 5, 6, 2, 0.5, 1).Generate();
        var options = new SinkhornOptions { Epsilon = 0.5 };
        foreach (Accelerator accelerator in new Accelerator[] { new CpuAccelerator(), OpenClDevice.Instance })
        {
            var e = Assert.Throws<ArgumentException>(() => BatchedSinkhornBackward.Gradients(accelerator, batch, BatchedSinkhorn.SolveClouds(accelerator, other, options), [1, 1]));
            Assert.Equal("result", e.ParamName);
            e = Assert.Throws<ArgumentException>(() => BatchedSinkhornBackward.DivergenceGradients(accelerator, batch, BatchedSinkhorn.DivergenceClouds(accelerator, other, options), [1, 1]));
            Assert.Equal("result", e.ParamName);
        }
    }

    [CudaFact]
    public void CudaKernels_MatchTheCpu()
    {
        using var cuda = (CudaAccelerator)Accelerator.Create(AcceleratorKind.Cuda);
        foreach (string kernel in Conformance.Kernels)
            foreach (ConformanceCase c in Conformance.Cases)
            {
                ConformanceRow row = Conformance.Check(cuda, kernel, c);
                Assert.True(row.Passed, $"{row}");
            }
        Assert.Equal(0, cuda.LiveBuffers);
    }
}
