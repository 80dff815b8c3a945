// The CUDA driver API entry points the accelerator uses (libcuda.so.1; CUDA Driver API
// reference: device management, primary context, memory, module, execution). Each call
// returns a CUresult; Check names it with cuGetErrorName.
using System.Runtime.InteropServices;

namespace OtKernels.Accelerators.Cuda;

internal static unsafe partial class CudaApi
{
    public const int AttributeMaxThreadsPerBlock = 1, AttributeClockRate = 13, AttributeMultiprocessorCount = 16,
        AttributeComputeCapabilityMajor = 75, AttributeComputeCapabilityMinor = 76, AttributeMaxSharedMemoryPerBlockOptin = 97;
    public const int FunctionAttributeMaxDynamicSharedSizeBytes = 8;

    static CudaApi() => NativeLibraries.EnsureRegistered();

    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuInit(uint flags);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuDeviceGetCount(int* count);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuDeviceGet(int* device, int ordinal);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuDeviceGetAttribute(int* value, int attribute, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceTotalMem_v2")] public static partial int cuDeviceTotalMem(nuint* bytes, int device);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuDevicePrimaryCtxRetain(IntPtr* context, int device);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDevicePrimaryCtxRelease_v2")] public static partial int cuDevicePrimaryCtxRelease(int device);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuCtxSetCurrent(IntPtr context);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuCtxSynchronize();
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemAlloc_v2")] public static partial int cuMemAlloc(ulong* pointer, nuint bytes);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemFree_v2")] public static partial int cuMemFree(ulong pointer);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyHtoD_v2")] public static partial int cuMemcpyHtoD(ulong destination, void* source, nuint bytes);
    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyDtoH_v2")] public static partial int cuMemcpyDtoH(void* destination, ulong source, nuint bytes);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuModuleLoadData(IntPtr* module, void* image);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuModuleUnload(IntPtr module);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuModuleGetFunction(IntPtr* function, IntPtr module, byte* name);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuFuncSetAttribute(IntPtr function, int attribute, int value);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuLaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedBytes, IntPtr stream, void** parameters, void** extra);
    [LibraryImport(NativeLibraries.Cuda)] public static partial int cuGetErrorName(int error, byte** name);

    public static void Check(int status, string call, string? detail = null)
    {
        if (status != 0) throw new AcceleratorException(call, ErrorName(status), status, detail);
    }

    public static string ErrorName(int status)
    {
        byte* name = null;
        return cuGetErrorName(status, &name) == 0 && name != null ? Marshal.PtrToStringUTF8((IntPtr)name)! : "CUDA_ERROR_UNKNOWN";
    }
}
