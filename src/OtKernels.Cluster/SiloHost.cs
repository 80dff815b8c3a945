// An Orleans silo that serves OtKernels shards: Redis membership, endpoints on the given
// address (loopback unless told otherwise: nothing listens beyond this machine by
// default), its own silo and gateway ports (Orleans refuses port 0, and a new silo on a live
// one's port evicts it, so free ports are picked here when none are given).
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace OtKernels.Cluster;

/// <summary>How a silo listens and computes.</summary>
/// <param name="Address">The address silos and clients reach it at (default loopback).</param>
/// <param name="SiloPort">Silo-to-silo port; 0 picks a free one.</param>
/// <param name="GatewayPort">Client port; 0 picks a free one.</param>
/// <param name="Threads">Threads per shard.</param>
public sealed record SiloOptions(IPAddress Address, int SiloPort = 0, int GatewayPort = 0, int Threads = 0)
{
    /// <summary>Loopback, free ports, all cores.</summary>
    public static SiloOptions Local => new(IPAddress.Loopback);
}

/// <summary>Builds silo hosts.</summary>
public static class SiloHost
{
    /// <summary>A silo of cluster, not yet started (StartAsync, or RunAsync until SIGTERM).</summary>
    /// <param name="membership">Overrides of failure detection (tests shorten it).</param>
    public static IHost Build(ClusterAddress cluster, SiloOptions options, Action<ClusterMembershipOptions>? membership = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(options);
        int siloPort = options.SiloPort == 0 ? FreePort(options.Address) : options.SiloPort;
        int gatewayPort = options.GatewayPort == 0 ? FreePort(options.Address, except: siloPort) : options.GatewayPort;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        return Host.CreateDefaultBuilder()
            // Warnings and errors on stderr, less the start-up advice to use server GC (a
            // silo computes on its own threads; Orleans' messages are light).
            .ConfigureLogging(logging => logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans.Runtime.Silo", LogLevel.Error))
            .UseOrleans(silo =>
            {
                silo.UseRedisClustering(cluster.Redis);
                silo.Configure<ClusterOptions>(o => { o.ClusterId = cluster.ClusterId; o.ServiceId = ClusterAddress.ServiceId; });
                silo.ConfigureEndpoints(options.Address, siloPort, gatewayPort, listenOnAnyHostAddress: false);
                silo.Configure<WorkerOptions>(o => o.Threads = threads);
                if (membership is not null) silo.Configure(membership);
            })
            .Build();
    }

    /// <summary>A port free on address now (the OS picks it; another process could take it
    /// before the silo binds, which then fails to start and says so).</summary>
    private static int FreePort(IPAddress address, int except = 0)
    {
        while (true)
        {
            using var socket = new TcpListener(address, 0);
            socket.Start();
            int port = ((IPEndPoint)socket.LocalEndpoint).Port;
            if (port != except) return port;
        }
    }
}
