// The conformance suite that `otk gpu check` runs, through the public API: every kernel on
// ILGPU's CPU accelerator against the CPU code on FsCheck-generated batches (the same
// kernels a GPU runs, on every test run), and on CUDA when a device answers. Tolerances are
// Conformance's, justified there; the kernel families' own tests go further per kernel.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Autodiff.Tests.Entropic;
using OtKernels.Conformance;
using OtKernels.Entropic;
using Xunit;

namespace OtKernels.Autodiff.Tests.Accelerators;

/// <summary>ILGPU's CPU accelerator for the test run: kernels compile once per variant.</summary>
internal static class IlgpuCpu
{
    private static readonly Lazy<DeviceAccelerator> Shared = new(() => (DeviceAccelerator)Accelerator.Create(AcceleratorKind.IlgpuCpu));

    public static DeviceAccelerator Instance => Shared.Value;
}

/// <summary>A fact that runs only when a CUDA device answers, skipped with the reason otherwise.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        var (accelerators, unavailable) = Accelerator.All();
        foreach (Accelerator accelerator in accelerators) accelerator.Dispose();
        if (unavailable.FirstOrDefault(u => u.StartsWith("CUDA")) is { } reason) Skip = reason;
    }
}

public class ConformanceTests
{
    public static TheoryData<string> Kernels() => [.. KernelConformance.Kernels];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_OnIlgpusCpuAccelerator_MatchesTheCpu(string kernel)
    {
        // Up to 3 problems of 1..24 points in 1 to 3 dimensions, zero weights planted or not.
        Gen<ConformanceCase> generator = KernelCases.Generator(24);
        Arbitrary<ConformanceCase> cases = (kernel.EndsWith("reverse, unrolled")
            ? generator.Where(UnrolledConditioning.WellConditioned) : generator).ToArbitrary();
        Prop.ForAll(cases, c =>
        {
            ConformanceRow row = KernelConformance.Check(IlgpuCpu.Instance, kernel, c);
            Assert.True(row.Passed, $"{row}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(4));
        Assert.Equal(0, IlgpuCpu.Instance.LiveBuffers);
    }

    /// <summary>The largest size a CUDA device takes through ILGPU, whose groups get at most
    /// 48 KiB of shared memory (ILGPU does not opt in to more): n = m = 256 points in R^16,
    /// 42 to 44 KiB per problem for the forward and both reverse passes.</summary>
    [Theory]
    [InlineData("Sinkhorn clouds, fixed iterations")]
    [InlineData("Sinkhorn clouds reverse, unrolled")]
    [InlineData("Sinkhorn clouds reverse, converged")]
    public void Kernel_AtTheLargestStatedSize_MatchesTheCpu(string kernel)
    {
        ConformanceRow row = KernelConformance.Check(IlgpuCpu.Instance, kernel, new ConformanceCase(1, 256, 256, 16, 2.0, 5, PlantZeros: false));
        Assert.True(row.Passed, $"{row}");
    }

    [Fact]
    public void Check_RefusesAnUnknownKernel() =>
        Assert.Equal("kernel", Assert.Throws<ArgumentException>(() => KernelConformance.Check(IlgpuCpu.Instance, "sinkhorn_clouds", KernelConformance.Cases[0])).ParamName);

    [Fact]
    public void ZeroWeightAmplification_FlagsTheCaseTheFreshSeedAuditFound() =>
        // FsCheck replay (3226506322915962484,7328256625592010415,59): b = (1, 0), the
        // zero-weight target nearer every source; device and CPU differed by 2.45 in d/db.
        Assert.True(UnrolledConditioning.ZeroWeightAmplification(new ConformanceCase(3, 15, 2, 2, 0.05, 790278892)) > 1e9);

    [Fact]
    public void ReversePasses_RefuseAResultOfAnotherBatch()
    {
        PointCloudBatch batch = new ConformanceCase(2, 5, 4, 2, 0.5, 1).Generate(), other = new ConformanceCase(2, 5, 6, 2, 0.5, 1).Generate();
        var options = new SinkhornOptions { Epsilon = 0.5 };
        foreach (Accelerator accelerator in new Accelerator[] { new CpuAccelerator(), IlgpuCpu.Instance })
        {
            var e = Assert.Throws<ArgumentException>(() => SinkhornBackward.Gradients(accelerator, batch, Sinkhorn.SolveBatch(accelerator, other, options), [1, 1]));
            Assert.Equal("result", e.ParamName);
            e = Assert.Throws<ArgumentException>(() => SinkhornDivergenceBackward.Gradients(accelerator, batch, SinkhornDivergence.SolveBatch(accelerator, other, options), [1, 1]));
            Assert.Equal("result", e.ParamName);
            e = Assert.Throws<ArgumentException>(() => SinkhornBackward.Gradients(accelerator, batch, Sinkhorn.SolveBatch(accelerator, batch, options), [1, float.NaN]));
            Assert.Equal("gradOut", e.ParamName);
        }
    }

    [CudaFact]
    public void CudaKernels_MatchTheCpu()
    {
        using var cuda = (DeviceAccelerator)Accelerator.Create(AcceleratorKind.Cuda);
        foreach (string kernel in KernelConformance.Kernels)
            foreach (ConformanceCase c in KernelConformance.Cases)
            {
                ConformanceRow row = KernelConformance.Check(cuda, kernel, c);
                Assert.True(row.Passed, $"{row}");
            }
        Assert.Equal(0, cuda.LiveBuffers);
    }
}
