// Every ILGPU kernel of the engine compiles to PTX for SM_80 (A100) and SM_90 (H100, H200)
// in every test run, GPU or not: an entry point, the dynamic shared work area where the
// kernel has one, no .local (register spills to local memory), and the Sinkhorn kernels'
// exponentials on the special-function units. (PairwiseDistancesKernelTests also checks its
// static tiles' size; the reverse kernels are OtKernels.Autodiff.Tests'.)
using System.Reflection;
using ILGPU.Runtime.Cuda;
using OtKernels.Accelerators;
using OtKernels.Entropic.Device;
using OtKernels.Exact.Device;
using Xunit;

namespace OtKernels.Tests.Accelerators;

public class KernelPtxTests
{
    /// <summary>Each kernel: its entry method, whether it asks for dynamic shared memory, whether its soft-mins use ex2.approx.</summary>
    private static readonly Dictionary<string, (MethodInfo Method, bool Shared, bool Exp2)> Entries = new()
    {
        ["SinkhornKernel.Clouds"] = (Entry(typeof(SinkhornKernel), nameof(SinkhornKernel.Clouds)), true, true),
        ["SinkhornKernel.Divergence"] = (Entry(typeof(SinkhornKernel), nameof(SinkhornKernel.Divergence)), true, true),
        ["SinkhornKernel.SelfTerms"] = (Entry(typeof(SinkhornKernel), nameof(SinkhornKernel.SelfTerms)), true, true),
        ["SinkhornKernel.Dense"] = (Entry(typeof(SinkhornKernel), nameof(SinkhornKernel.Dense)), true, true),
        ["GromovKernel.Descend"] = (Entry(typeof(GromovKernel), nameof(GromovKernel.Descend)), true, true),
        ["BarycenterKernel.Step"] = (Entry(typeof(BarycenterKernel), nameof(BarycenterKernel.Step)), false, false),
        ["BarycenterKernel.Mean"] = (Entry(typeof(BarycenterKernel), nameof(BarycenterKernel.Mean)), false, false),
        ["SlicedKernel.Lines"] = (Entry(typeof(SlicedKernel), nameof(SlicedKernel.Lines)), true, false),
    };

    private static MethodInfo Entry(Type type, string name) => type.GetMethod(name) ?? throw new MissingMethodException(type.Name, name);

    public static TheoryData<string, int> Cases()
    {
        var cases = new TheoryData<string, int>();
        foreach (string kernel in Entries.Keys)
            foreach (int major in new[] { 8, 9 }) cases.Add(kernel, major);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kernel_CompilesToPtx_WithoutSpills(string kernel, int major)
    {
        (MethodInfo method, bool shared, bool exp2) = Entries[kernel];
        string ptx = DeviceRuntime.Ptx(method, new CudaArchitecture(major, 0));
        Assert.Contains(".visible .entry", ptx);
        Assert.DoesNotContain(".local", ptx);
        if (shared) Assert.Contains(".extern .shared", ptx);
        if (exp2) Assert.Contains("ex2.approx", ptx);
    }
}
