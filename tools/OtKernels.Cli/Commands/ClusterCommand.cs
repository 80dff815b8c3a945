// otk cluster: a worker of the Orleans cluster that runs the sharded jobs (`silo`), and what
// the cluster holds (`status`). A silo runs until SIGTERM or Ctrl-C, then leaves the cluster.
using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using OtKernels.Cluster;

namespace OtKernels.Cli.Commands;

internal static class ClusterCommand
{
    public static Command Create()
    {
        (Option<string> redis, Option<string> id) = AddressOptions();
        var threads = new Option<int>("--threads") { Description = "Threads per shard (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var address = new Option<string>("--address") { Description = "The address this silo listens on and is reached at (default 127.0.0.1; give the machine's address for a cluster of several machines).", DefaultValueFactory = _ => "127.0.0.1" };
        var siloPort = new Option<int>("--silo-port") { Description = "Port for the other silos (default: a free one)." };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port for clients (default: a free one)." };
        var silo = new Command("silo", "Start a worker that joins the cluster and computes shards until stopped.") { redis, id, threads, address, siloPort, gatewayPort };
        silo.SetAction(parse => CliErrors.Run(() => RunSilo(new ClusterAddress(parse.GetValue(redis)!, parse.GetValue(id)!),
            parse.GetValue(address)!, parse.GetValue(siloPort), parse.GetValue(gatewayPort), parse.GetValue(threads))));

        (Option<string> statusRedis, Option<string> statusId) = AddressOptions();
        var status = new Command("status", "List the cluster's silos, their load, what each computes and the jobs they computed.") { statusRedis, statusId };
        status.SetAction(parse => CliErrors.Run(() => Status(new ClusterAddress(parse.GetValue(statusRedis)!, parse.GetValue(statusId)!))));
        return new Command("cluster", "Run the sharded jobs on an Orleans cluster with Redis membership.") { silo, status };
    }

    /// <summary>--redis and --cluster-id, a fresh pair for each command.</summary>
    private static (Option<string> Redis, Option<string> Id) AddressOptions() =>
        (new Option<string>("--redis") { Description = "HOST:PORT of the Redis server that holds the cluster's membership.", Required = true },
         new Option<string>("--cluster-id") { Description = "The cluster's id in that Redis.", DefaultValueFactory = _ => ClusterAddress.DefaultClusterId });

    private static int RunSilo(ClusterAddress cluster, string address, int siloPort, int gatewayPort, int threads)
    {
        if (threads < 1) throw new ArgumentException($"--threads {threads}: need at least 1.");
        if (!IPAddress.TryParse(address, out IPAddress? ip)) throw new ArgumentException($"--address '{address}' is not an IP address.");
        foreach ((string flag, int port) in new[] { ("--silo-port", siloPort), ("--gateway-port", gatewayPort) })
            if (port is < 0 or > 65535) throw new ArgumentException($"{flag} {port}: not a port (1..65535, or 0 for a free one).");
        bool joinedOnce = false;
        void Joined(IHost _)
        {
            joinedOnce = true;
            Console.WriteLine($"silo joined cluster '{cluster.ClusterId}' (Redis {cluster.Redis}) on {address}, engine {EngineVersion.Current}, {threads} thread(s) per shard; Ctrl-C or SIGTERM stops it");
        }
        try
        {
            SiloHost.RunAsync(cluster, new SiloOptions(ip, siloPort, gatewayPort, threads), Joined,
                line => Console.Error.WriteLine($"otk cluster silo: {line}")).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ComputationFailedException($"the silo could not {(joinedOnce ? "join again" : "join")} cluster '{cluster.ClusterId}' through Redis at {cluster.Redis}: {e.Message}");
        }
        return 0;
    }

    private static int Status(ClusterAddress cluster)
    {
        using var connection = new ClusterConnection(ShardCluster.ConnectAsync(cluster).GetAwaiter().GetResult());
        IReadOnlyList<SiloState> silos = connection.Value!.SilosAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        Console.WriteLine($"cluster '{cluster.ClusterId}' at {cluster.Redis}: {silos.Count(s => s.Status == "Active")} active silo(s)");
        foreach (SiloState silo in silos.OrderBy(s => s.Started))
        {
            string load = silo.CpuUsage is { } cpu ? $"  cpu {cpu:F0}%" : "";
            load += silo.MemoryUsage is { } memory ? $"  memory {memory / (1024.0 * 1024):F0} MB" : "";
            Console.WriteLine($"  {silo.Silo}  {silo.Status}  started {silo.Started:yyyy-MM-dd HH:mm:ss} UTC{load}");
            if (silo.Report is not { } report)
            {
                if (silo.Status == "Active") Console.WriteLine("    (no report: the silo did not answer)");
                continue;
            }
            string now = report.ComputingJob is null ? "idle" : $"computing '{report.ComputingJob}' shard {report.ComputingShard} for {report.ComputingSeconds:F1} s";
            Console.WriteLine($"    {now}, {report.Waiting} waiting; {report.Threads} thread(s) per shard; engine {report.EngineVersion}");
        }
        JobActivity[] jobs = [.. silos.Where(s => s.Report is not null).SelectMany(s => s.Report!.Jobs)];
        if (jobs.Length == 0) return 0;
        Console.WriteLine("jobs the active silos computed shards of, most recent first:");
        foreach (var job in jobs.GroupBy(j => j.Job).OrderByDescending(g => g.Max(j => j.Last)))
        {
            double seconds = job.Sum(j => j.Seconds);
            long items = job.Sum(j => j.Items);
            Console.WriteLine($"  '{job.Key}': {job.Sum(j => j.Shards)} shard(s), {items} pairs on {job.Count()} silo(s), "
                + $"{items / Math.Max(seconds, 1e-9):F0} pairs per silo-second, last {(DateTime.UtcNow - job.Max(j => j.Last)).TotalSeconds:F0} s ago");
        }
        return 0;
    }
}
