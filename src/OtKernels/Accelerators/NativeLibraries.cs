// Where the device APIs live. The bindings name libraries abstractly ("OpenCL", "cuda",
// "nvrtc"); this resolver maps them to the sonames of a Linux driver install, and probes
// the versioned NVRTC of the CUDA toolkit (which ships no unversioned libnvrtc.so without
// its -dev package) under the usual prefixes and CUDA_PATH.
using System.Reflection;
using System.Runtime.InteropServices;

namespace OtKernels.Accelerators;

internal static class NativeLibraries
{
    public const string OpenCl = "OpenCL";
    public const string Cuda = "cuda";
    public const string Nvrtc = "nvrtc";

    private static int _registered;

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    /// <summary>Loads a library by name; null with the reason when it is missing.</summary>
    public static string? Probe(string name)
    {
        EnsureRegistered();
        IntPtr handle = Resolve(name, typeof(NativeLibraries).Assembly, null);
        return handle != IntPtr.Zero ? null : name switch
        {
            OpenCl => "libOpenCL.so.1 was not found (Debian: apt-get install ocl-icd-libopencl1 and a driver, e.g. pocl-opencl-icd).",
            Cuda => "libcuda.so.1 was not found (the NVIDIA driver is not installed).",
            _ => "libnvrtc.so was not found in the library path, /usr/local/cuda*/lib64 or $CUDA_PATH/lib64 (install the CUDA toolkit's NVRTC).",
        };
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        foreach (string candidate in Candidates(name))
            if (NativeLibrary.TryLoad(candidate, out IntPtr handle)) return handle;
        return IntPtr.Zero;
    }

    private static IEnumerable<string> Candidates(string name)
    {
        switch (name)
        {
            case OpenCl: yield return "libOpenCL.so.1"; yield return "libOpenCL.so"; break;
            case Cuda: yield return "libcuda.so.1"; yield return "libcuda.so"; break;
            case Nvrtc:
                yield return "libnvrtc.so";
                var folders = new List<string>();
                if (Environment.GetEnvironmentVariable("CUDA_PATH") is { Length: > 0 } cudaPath)
                    folders.Add(Path.Combine(cudaPath, "lib64"));
                folders.Add("/usr/local/cuda/lib64");
                if (Directory.Exists("/usr/local"))
                    folders.AddRange(Directory.GetDirectories("/usr/local", "cuda-*").Select(d => Path.Combine(d, "lib64")).Order().Reverse());
                folders.Add("/usr/lib/x86_64-linux-gnu");
                foreach (string folder in folders.Where(Directory.Exists))
                    foreach (string file in Directory.GetFiles(folder, "libnvrtc.so*").Where(f => !f.Contains("builtins")).OrderByDescending(f => f.Length))
                        yield return file;
                for (int major = 13; major >= 11; major--) yield return $"libnvrtc.so.{major}";
                break;
        }
    }
}
