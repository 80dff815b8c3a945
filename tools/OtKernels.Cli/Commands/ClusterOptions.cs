// The options a command takes to run its shards on a cluster (--cluster HOST:PORT, the
// cluster's Redis, and --cluster-id), and the connection they open.
using System.CommandLine;
using OtKernels.Cluster;

namespace OtKernels.Cli.Commands;

internal sealed class ClusterOptions
{
    public Option<string?> Redis { get; } = new("--cluster") { Description = "Run the shards on the Orleans cluster whose membership is in Redis at HOST:PORT (silos: otk cluster silo)." };
    public Option<string> Id { get; } = new("--cluster-id") { Description = "The cluster's id in that Redis.", DefaultValueFactory = _ => ClusterAddress.DefaultClusterId };

    public void AddTo(Command command)
    {
        command.Options.Add(Redis);
        command.Options.Add(Id);
    }

    /// <summary>A connection to the cluster the options name, or null for a local run.</summary>
    public ShardCluster? Connect(ParseResult parse, string name)
    {
        string? redis = parse.GetValue(Redis);
        if (redis is null) return null;
        var address = new ClusterAddress(redis, parse.GetValue(Id)!);
        ShardCluster cluster = ShardCluster.ConnectAsync(address).GetAwaiter().GetResult();
        Console.Error.WriteLine($"{name}: connected to cluster '{address.ClusterId}' at {address.Redis}: {cluster.ActiveSilos} silo(s)");
        return cluster;
    }
}
