// The ILGPU runtime that the device kernels written in C# run on (issue 15, first step):
// one process-wide ILGPU Context with ILGPU.Algorithms (XMath, group reductions) enabled,
// the accelerators it offers, and the PTX backend that compiles a kernel for a CUDA
// architecture without a GPU. ILGPU's CPU accelerator runs every kernel in the tests; it is
// created with groups of up to 256 threads (4 threads x 64 warps), where ILGPU's default
// allows 16. What it is not yet: the choice of device behind Accelerator.Create, which still
// runs the OpenCL C / CUDA C kernels of Kernels/ until every kernel is ported.
using System.Reflection;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace OtKernels.Accelerators;

internal static class DeviceRuntime
{
    /// <summary>Threads per group the tests' CPU accelerator allows: 4 per warp x 64 warps.</summary>
    public const int CpuMaxGroupSize = 256;

    private static readonly Lazy<Context> SharedContext = new(() =>
        Context.Create(builder => builder.CPU(new CPUDevice(4, CpuMaxGroupSize / 4, 1)).EnableAlgorithms()));

    public static Context Context => SharedContext.Value;

    /// <summary>ILGPU's CPU accelerator: the kernels' reference run in every test (one .NET
    /// thread per kernel thread, so slow: size batches for it). The caller disposes it.</summary>
    public static CPUAccelerator CreateCpu() => Context.CreateCPUAccelerator(0);

    /// <summary>Refuses a launch whose groups need more shared memory than the accelerator
    /// has, naming what needs it (one message for every kernel family).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Over the limit.</exception>
    public static void RequireSharedMemory(ILGPU.Runtime.Accelerator accelerator, long floats, string paramName, string what) =>
        RequireSharedMemory(floats, accelerator.MaxSharedMemoryPerGroup, accelerator.Name, paramName, what);

    /// <summary>The check itself, against a device's limit in bytes (testable without one:
    /// ILGPU's CPU accelerator reports no limit).</summary>
    public static void RequireSharedMemory(long floats, long limitBytes, string device, string paramName, string what)
    {
        long bytes = floats * sizeof(float);
        if (bytes > limitBytes)
            throw new ArgumentOutOfRangeException(paramName, $"{what} need {bytes} bytes of shared memory per group; {device} has "
                + $"{limitBytes}. Use smaller problems (fewer points or dimensions).");
    }

    /// <summary>The PTX ILGPU generates for a kernel on a CUDA architecture, without a GPU or
    /// toolkit: implicitly grouped when its first parameter is an Index1D, explicitly grouped
    /// otherwise. ILGPU writes <c>.target sm_80</c> whatever is asked; the driver compiles it
    /// for the device it loads on.</summary>
    public static string Ptx(MethodInfo kernel, CudaArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        bool implicitlyGrouped = kernel.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(Index1D);
        EntryPointDescription entry = implicitlyGrouped
            ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel)
            : EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
        using var backend = new PTXBackend(Context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_80, null);
        return ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
    }
}
