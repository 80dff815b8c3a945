// The OpenCL 1.2 entry points the accelerator uses, bound with LibraryImport to the ICD
// loader libOpenCL.so.1 (Khronos OpenCL API reference, chapter 5). Every call returns a
// cl_int status, which Check turns into an AcceleratorException naming the CL_ error.
using System.Runtime.InteropServices;

namespace OtKernels.Accelerators.OpenCl;

internal static unsafe partial class OpenClApi
{
    public const uint PlatformName = 0x0902;
    public const ulong DeviceTypeCpu = 1 << 1, DeviceTypeGpu = 1 << 2, DeviceTypeAll = 0xFFFFFFFF;
    public const uint DeviceType = 0x1000, DeviceMaxComputeUnits = 0x1002, DeviceMaxWorkGroupSize = 0x1004,
        DeviceMaxClockFrequency = 0x100C, DeviceMaxMemAllocSize = 0x1010, DeviceGlobalMemSize = 0x101F,
        DeviceLocalMemSize = 0x1023, DeviceName = 0x102B, DeviceVendor = 0x102C, DeviceVersion = 0x102F;
    public const uint ProgramBuildLog = 0x1183;
    public const ulong MemReadWrite = 1;

    static OpenClApi() => NativeLibraries.EnsureRegistered();

    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clGetPlatformIDs(uint entries, IntPtr* platforms, uint* count);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clGetPlatformInfo(IntPtr platform, uint param, nuint size, void* value, nuint* sizeRet);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clGetDeviceIDs(IntPtr platform, ulong type, uint entries, IntPtr* devices, uint* count);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clGetDeviceInfo(IntPtr device, uint param, nuint size, void* value, nuint* sizeRet);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial IntPtr clCreateContext(IntPtr* properties, uint count, IntPtr* devices, IntPtr notify, IntPtr userData, int* error);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clReleaseContext(IntPtr context);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial IntPtr clCreateCommandQueue(IntPtr context, IntPtr device, ulong properties, int* error);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clReleaseCommandQueue(IntPtr queue);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clFinish(IntPtr queue);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial IntPtr clCreateBuffer(IntPtr context, ulong flags, nuint size, void* host, int* error);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clReleaseMemObject(IntPtr memory);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clEnqueueWriteBuffer(IntPtr queue, IntPtr buffer, uint blocking, nuint offset, nuint size, void* source, uint events, IntPtr* waitList, IntPtr* evt);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clEnqueueReadBuffer(IntPtr queue, IntPtr buffer, uint blocking, nuint offset, nuint size, void* destination, uint events, IntPtr* waitList, IntPtr* evt);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial IntPtr clCreateProgramWithSource(IntPtr context, uint count, byte** strings, nuint* lengths, int* error);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clBuildProgram(IntPtr program, uint count, IntPtr* devices, byte* options, IntPtr notify, IntPtr userData);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clGetProgramBuildInfo(IntPtr program, IntPtr device, uint param, nuint size, void* value, nuint* sizeRet);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clReleaseProgram(IntPtr program);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial IntPtr clCreateKernel(IntPtr program, byte* name, int* error);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clReleaseKernel(IntPtr kernel);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clSetKernelArg(IntPtr kernel, uint index, nuint size, void* value);
    [LibraryImport(NativeLibraries.OpenCl)] public static partial int clEnqueueNDRangeKernel(IntPtr queue, IntPtr kernel, uint dimensions, nuint* offset, nuint* global, nuint* local, uint events, IntPtr* waitList, IntPtr* evt);

    /// <summary>Throws for a status other than CL_SUCCESS.</summary>
    public static void Check(int status, string call, string? detail = null)
    {
        if (status != 0) throw new AcceleratorException(call, ErrorName(status), status, detail);
    }

    /// <summary>The CL_ name of a status code (cl.h; -1001 is the ICD loader's).</summary>
    public static string ErrorName(int status) => status switch
    {
        0 => "CL_SUCCESS", -1 => "CL_DEVICE_NOT_FOUND", -2 => "CL_DEVICE_NOT_AVAILABLE",
        -3 => "CL_COMPILER_NOT_AVAILABLE", -4 => "CL_MEM_OBJECT_ALLOCATION_FAILURE", -5 => "CL_OUT_OF_RESOURCES",
        -6 => "CL_OUT_OF_HOST_MEMORY", -7 => "CL_PROFILING_INFO_NOT_AVAILABLE", -8 => "CL_MEM_COPY_OVERLAP",
        -9 => "CL_IMAGE_FORMAT_MISMATCH", -10 => "CL_IMAGE_FORMAT_NOT_SUPPORTED", -11 => "CL_BUILD_PROGRAM_FAILURE",
        -12 => "CL_MAP_FAILURE", -13 => "CL_MISALIGNED_SUB_BUFFER_OFFSET", -14 => "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
        -15 => "CL_COMPILE_PROGRAM_FAILURE", -16 => "CL_LINKER_NOT_AVAILABLE", -17 => "CL_LINK_PROGRAM_FAILURE",
        -18 => "CL_DEVICE_PARTITION_FAILED", -19 => "CL_KERNEL_ARG_INFO_NOT_AVAILABLE",
        -30 => "CL_INVALID_VALUE", -31 => "CL_INVALID_DEVICE_TYPE", -32 => "CL_INVALID_PLATFORM", -33 => "CL_INVALID_DEVICE",
        -34 => "CL_INVALID_CONTEXT", -35 => "CL_INVALID_QUEUE_PROPERTIES", -36 => "CL_INVALID_COMMAND_QUEUE",
        -37 => "CL_INVALID_HOST_PTR", -38 => "CL_INVALID_MEM_OBJECT", -39 => "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR",
        -40 => "CL_INVALID_IMAGE_SIZE", -41 => "CL_INVALID_SAMPLER", -42 => "CL_INVALID_BINARY", -43 => "CL_INVALID_BUILD_OPTIONS",
        -44 => "CL_INVALID_PROGRAM", -45 => "CL_INVALID_PROGRAM_EXECUTABLE", -46 => "CL_INVALID_KERNEL_NAME",
        -47 => "CL_INVALID_KERNEL_DEFINITION", -48 => "CL_INVALID_KERNEL", -49 => "CL_INVALID_ARG_INDEX",
        -50 => "CL_INVALID_ARG_VALUE", -51 => "CL_INVALID_ARG_SIZE", -52 => "CL_INVALID_KERNEL_ARGS",
        -53 => "CL_INVALID_WORK_DIMENSION", -54 => "CL_INVALID_WORK_GROUP_SIZE", -55 => "CL_INVALID_WORK_ITEM_SIZE",
        -56 => "CL_INVALID_GLOBAL_OFFSET", -57 => "CL_INVALID_EVENT_WAIT_LIST", -58 => "CL_INVALID_EVENT",
        -59 => "CL_INVALID_OPERATION", -60 => "CL_INVALID_GL_OBJECT", -61 => "CL_INVALID_BUFFER_SIZE",
        -62 => "CL_INVALID_MIP_LEVEL", -63 => "CL_INVALID_GLOBAL_WORK_SIZE", -64 => "CL_INVALID_PROPERTY",
        -1001 => "CL_PLATFORM_NOT_FOUND_KHR",
        _ => "CL_UNKNOWN_ERROR",
    };
}
