// The version a silo and a client must share: the informational version of the OtKernels
// engine assembly (the package version, with the commit where the build records one).
// Values computed by two different builds may differ in the last bits, and a job's output
// must be byte-identical to a local run, so a mismatch is refused, never mixed.
using System.Reflection;
using OtKernels.Exact;

namespace OtKernels.Cluster;

/// <summary>The engine build a cluster job needs on every silo.</summary>
public static class EngineVersion
{
    /// <summary>This process's engine version.</summary>
    public static string Current { get; } =
        typeof(NetworkSimplex).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(NetworkSimplex).Assembly.GetName().Version?.ToString() ?? "unknown";
}
