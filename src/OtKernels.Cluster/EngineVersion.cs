// The version a silo and a client must share: the informational version of the OtKernels
// engine assembly (the package version, with the commit where the build records one), and
// what else decides the last bits of a value: the runtime (its JIT and math library) and the
// vector widths the engine's SIMD code runs at here (a sum over 8 lanes rounds otherwise
// than one over 4). A job's output must be byte-identical to a local run, so a silo that
// differs in any of these refuses the shard rather than mixing its values in.
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.Exact;

namespace OtKernels.Cluster;

/// <summary>The engine build and arithmetic a cluster job needs on every silo.</summary>
public static class EngineVersion
{
    /// <summary>This process's engine version, e.g. "1.0.0+abc123 (.NET 10.0.0, linux-x64,
    /// Vector 256 bits, widest 512 bits)".</summary>
    public static string Current { get; } = $"{Build} ({RuntimeInformation.FrameworkDescription}, {RuntimeInformation.RuntimeIdentifier}, "
        + $"Vector {Vector<byte>.Count * 8} bits, widest {WidestVector} bits)";

    private static string Build =>
        typeof(NetworkSimplex).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(NetworkSimplex).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The widest vectors TensorPrimitives uses here.</summary>
    private static int WidestVector =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 64;
}
