// Kernel sources are embedded resources (Kernels/*.cl): a prelude of macros that maps the
// common subset of OpenCL C and CUDA C onto each dialect, then one file per kernel family.
using System.Reflection;

namespace OtKernels.Accelerators;

internal static class KernelSource
{
    /// <summary>The text a backend compiles: defines, the prelude, the family's source.</summary>
    public static string Compose(string family, string defines, AcceleratorKind kind)
    {
        string dialect = kind == AcceleratorKind.Cuda ? "#define OTK_CUDA 1\n" : "#define OTK_OPENCL 1\n";
        return dialect + defines + Read("prelude.h") + "\n#line 1\n" + Read(family);
    }

    public static string Read(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Kernel source {name} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
