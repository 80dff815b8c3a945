// The ILGPU runtime the device kernels run on: one process-wide ILGPU Context with
// ILGPU.Algorithms (XMath, group reductions) enabled, holding ILGPU's CPU accelerator, the
// CUDA devices and the OpenCL devices ILGPU supports; the choice among them; and the PTX
// backend, which compiles a kernel for a CUDA architecture without a GPU.
//
// ILGPU asks for the libraries "cuda" and "OpenCL" and finds libcuda.so / libOpenCL.so,
// while a Linux driver installs libcuda.so.1 / libOpenCL.so.1 (the unversioned names come
// with -dev packages): a resolver on the default load context maps the names before the
// context is built. ILGPU's CPU accelerator gets groups of up to 256 threads (4 threads x 64
// warps), where its default allows 16.
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace OtKernels.Accelerators;

internal static class DeviceRuntime
{
    /// <summary>Threads per group ILGPU's CPU accelerator allows: 4 per warp x 64 warps.</summary>
    public const int CpuMaxGroupSize = 256;

    private const string CudaLibrary = "libcuda.so.1", OpenClLibrary = "libOpenCL.so.1";

    private static readonly Lazy<Context> SharedContext = new(() =>
    {
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveDriver;
        return Context.Create(builder => builder.CPU(new CPUDevice(4, CpuMaxGroupSize / 4, 1)).Cuda().OpenCL().EnableAlgorithms());
    });

    public static Context Context => SharedContext.Value;

    /// <summary>The first device of a kind (Cuda, OpenCl or IlgpuCpu), or null when the
    /// machine has none.</summary>
    public static DeviceAccelerator? Open(AcceleratorKind kind) => Devices(kind).FirstOrDefault() is { } device ? Wrap(device, kind) : null;

    /// <summary>ILGPU's CPU accelerator, then every CUDA and OpenCL device.</summary>
    public static IEnumerable<DeviceAccelerator> OpenAll() =>
        new[] { AcceleratorKind.IlgpuCpu, AcceleratorKind.Cuda, AcceleratorKind.OpenCl }
            .SelectMany(kind => Devices(kind).Select(device => Wrap(device, kind))).ToList();

    /// <summary>Why the machine offers no device of a kind, in words a user can act on.</summary>
    public static string Unavailable(AcceleratorKind kind)
    {
        if (kind == AcceleratorKind.Cuda)
            return NativeLibrary.TryLoad(CudaLibrary, out _) ? "the NVIDIA driver reports no CUDA device."
                : $"{CudaLibrary} was not found (the NVIDIA driver is not installed).";
        if (kind != AcceleratorKind.OpenCl) return "ILGPU offers no such device.";
        if (!NativeLibrary.TryLoad(OpenClLibrary, out _))
            return $"{OpenClLibrary} was not found (no OpenCL loader; Debian: ocl-icd-libopencl1 and a vendor driver).";
        using Context all = Context.Create(builder => builder.OpenCL(_ => true));
        var present = new List<string>();
        foreach (CLDevice device in all.GetCLDevices()) present.Add($"{device.Name}, OpenCL C {device.CVersion}");
        string found = string.Join("; ", present);
        return "ILGPU needs OpenCL 2.0+ with the generic address space; "
            + (found.Length == 0 ? "no OpenCL device answered." : $"the devices present do not qualify ({found}).");
    }

    /// <summary>ILGPU's CPU accelerator: the kernels' reference run in every test. The caller
    /// disposes it.</summary>
    public static DeviceAccelerator CreateCpu() => Open(AcceleratorKind.IlgpuCpu)!;

    private static List<Device> Devices(AcceleratorKind kind)
    {
        var devices = new List<Device>();
        if (kind == AcceleratorKind.IlgpuCpu) devices.Add(Context.GetCPUDevice(0));
        if (kind == AcceleratorKind.Cuda)
            foreach (CudaDevice device in Context.GetCudaDevices()) devices.Add(device);
        if (kind == AcceleratorKind.OpenCl)
            foreach (CLDevice device in Context.GetCLDevices()) devices.Add(device);
        return devices;
    }

    private static DeviceAccelerator Wrap(Device device, AcceleratorKind kind) => new(device.CreateAccelerator(Context), kind);

    private static IntPtr ResolveDriver(Assembly assembly, string name) => name switch
    {
        "cuda" or "nvcuda" => NativeLibrary.TryLoad(CudaLibrary, out IntPtr cuda) ? cuda : IntPtr.Zero,
        "OpenCL" or "opencl" => NativeLibrary.TryLoad(OpenClLibrary, out IntPtr cl) ? cl : IntPtr.Zero,
        _ => IntPtr.Zero,
    };

    /// <summary>Refuses a launch whose groups need more shared memory than the device has,
    /// naming what needs it (one message for every kernel family).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Over the limit.</exception>
    public static void RequireSharedMemory(DeviceAccelerator device, long floats, string paramName, string what) =>
        RequireSharedMemory(floats, device.SharedMemoryBytes, device.Name, paramName, what);

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
