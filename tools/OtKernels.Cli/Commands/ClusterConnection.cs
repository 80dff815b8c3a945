// A command's cluster connection, or none for a local run, closed when the command ends.
using OtKernels.Cluster;

namespace OtKernels.Cli.Commands;

internal sealed class ClusterConnection(ShardCluster? cluster) : IDisposable
{
    public ShardCluster? Value => cluster;

    public void Dispose() => cluster?.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
