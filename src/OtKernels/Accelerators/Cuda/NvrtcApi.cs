// NVRTC, the CUDA runtime compiler (libnvrtc.so.*; NVRTC user guide, section 3): CUDA C
// source to PTX at run time, for the compute capability of the device at hand.
using System.Runtime.InteropServices;

namespace OtKernels.Accelerators.Cuda;

internal static unsafe partial class NvrtcApi
{
    static NvrtcApi() => NativeLibraries.EnsureRegistered();

    [LibraryImport(NativeLibraries.Nvrtc)] public static partial int nvrtcCreateProgram(IntPtr* program, byte* source, byte* name, int headers, byte** headerSources, byte** headerNames);
    [LibraryImport(NativeLibraries.Nvrtc)] public static partial int nvrtcCompileProgram(IntPtr program, int count, byte** options);
    [LibraryImport(NativeLibraries.Nvrtc)] public static partial int nvrtcGetProgramLogSize(IntPtr program, nuint* size);
    [LibraryImport(NativeLibraries.Nvrtc)] public static partial int nvrtcGetProgramLog(IntPtr program, byte* log);
    [LibraryImport(NativeLibraries.Nvrtc)] public static partial int nvrtcGetPTXSize(IntPtr program, nuint* size);
    [LibraryImport(NativeLibraries.Nvrtc)] public static partial int nvrtcGetPTX(IntPtr program, byte* ptx);
    [LibraryImport(NativeLibraries.Nvrtc)] public static partial int nvrtcDestroyProgram(IntPtr* program);
    [LibraryImport(NativeLibraries.Nvrtc)] public static partial byte* nvrtcGetErrorString(int result);

    public static void Check(int status, string call, string? detail = null)
    {
        if (status != 0)
            throw new AcceleratorException(call, Marshal.PtrToStringUTF8((IntPtr)nvrtcGetErrorString(status)) ?? "NVRTC_ERROR", status, detail);
    }

    /// <summary>PTX for source, compiled for compute_{major}{minor}; throws with the log.</summary>
    public static byte[] CompileToPtx(string source, string name, int major, int minor)
    {
        IntPtr program;
        fixed (byte* s = NulTerminated(source), n = NulTerminated(name))
            Check(nvrtcCreateProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram");
        try
        {
            string[] options = [$"--gpu-architecture=compute_{major}{minor}", "--std=c++17"];
            byte[][] encoded = options.Select(NulTerminated).ToArray();
            var handles = encoded.Select(e => GCHandle.Alloc(e, GCHandleType.Pinned)).ToArray();
            int status;
            try
            {
                byte** pointers = stackalloc byte*[encoded.Length];
                for (int i = 0; i < encoded.Length; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                status = nvrtcCompileProgram(program, encoded.Length, pointers);
            }
            finally
            {
                foreach (GCHandle h in handles) h.Free();
            }
            if (status != 0) Check(status, "nvrtcCompileProgram", $"{name}:\n{Log(program)}");
            nuint size;
            Check(nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
            var ptx = new byte[(int)size];
            fixed (byte* p = ptx) Check(nvrtcGetPTX(program, p), "nvrtcGetPTX");
            return ptx;
        }
        finally
        {
            nvrtcDestroyProgram(&program);
        }
    }

    private static string Log(IntPtr program)
    {
        nuint size;
        if (nvrtcGetProgramLogSize(program, &size) != 0) return "";
        var log = new byte[(int)size];
        fixed (byte* l = log) nvrtcGetProgramLog(program, l);
        return System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0');
    }

    private static byte[] NulTerminated(string text) => System.Text.Encoding.UTF8.GetBytes(text + "\0");
}
