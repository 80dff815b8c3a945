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
                silo.Services.AddSingleton<SiloActivity>();
                silo.Services.AddSingleton<MembershipWatch>();
                silo.Services.AddHostedService(services => services.GetRequiredService<MembershipWatch>());
                if (membership is not null) silo.Configure(membership);
            })
            .Build();
    }

    /// <summary>Runs a silo of cluster until SIGTERM or Ctrl-C. When the silo's row vanishes
    /// from the membership table (Redis restarted empty), the silo stops and starts afresh,
    /// with a new row (<see cref="MembershipWatch"/>); <paramref name="log"/> says so.</summary>
    /// <param name="joined">Called each time the silo has joined.</param>
    /// <param name="log">Gets a line for each rejoin.</param>
    /// <param name="membership">Overrides of failure detection (tests shorten it).</param>
    /// <exception cref="Exception">The silo could not start (Orleans' or Redis' exception).</exception>
    public static async Task RunAsync(ClusterAddress cluster, SiloOptions options, Action<IHost> joined, Action<string> log, Action<ClusterMembershipOptions>? membership = null)
    {
        ArgumentNullException.ThrowIfNull(joined);
        ArgumentNullException.ThrowIfNull(log);
        while (true)
        {
            IHost host = Build(cluster, options, membership);
            try
            {
                await host.StartAsync().ConfigureAwait(false);
            }
            catch
            {
                host.Dispose();
                throw;
            }
            joined(host);
            Task shutdown = host.WaitForShutdownAsync();
            if (await Task.WhenAny(shutdown, host.Services.GetRequiredService<MembershipWatch>().Lost).ConfigureAwait(false) == shutdown)
            {
                await shutdown.ConfigureAwait(false);
                host.Dispose();
                return;
            }
            log($"this silo's row is gone from the membership table in {cluster.Redis} (did Redis restart without persistence?); leaving and joining again.");
            if (options.SiloPort != 0 || options.GatewayPort != 0)
                await LeaveAsync(host).ConfigureAwait(false); // the new silo needs its ports
            else
                _ = LeaveWhenIdleAsync(host); // the new silo joins at once, on new ports
        }
    }

    /// <summary>Stops a silo that lost its row once no shard has come for a while: a client
    /// that was running a job keeps its connection to it, and finishes there.</summary>
    private static async Task LeaveWhenIdleAsync(IHost host)
    {
        SiloActivity activity = host.Services.GetRequiredService<SiloActivity>();
        while (!activity.IdleFor(TimeSpan.FromSeconds(10))) await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await LeaveAsync(host).ConfigureAwait(false);
    }

    /// <summary>Stops and disposes a silo; leaving retries the update of its lost row for
    /// about a minute before it gives up.</summary>
    private static async Task LeaveAsync(IHost host)
    {
        await host.StopAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        host.Dispose();
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
