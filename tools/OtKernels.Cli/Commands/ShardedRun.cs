// Runs a sharded job with progress, locally or on a cluster: a progress bar on a terminal
// and a line per shard otherwise, with pairs/s, the time left and, on a cluster, each silo's
// rate. What `otk w2 mnist`, `otk dwe pairs` and `otk distances` share.
using System.Diagnostics;
using OtKernels.Cluster;
using OtKernels.IO;
using Spectre.Console;

namespace OtKernels.Cli.Commands;

internal static class ShardedRun
{
    /// <summary>Runs job's shards with computeShard, as many at once as the cluster takes
    /// (one locally), showing progress over total pairs under name; returns the items the
    /// shards flagged.</summary>
    public static int Run(ShardedJob job, Func<int, int, CancellationToken, Task<ShardOutput>> computeShard, int total, string name, ShardCluster? cluster)
    {
        int Concurrency() => cluster?.Concurrency ?? 1;
        int Run(Action<int> progress, Action<string> log) =>
            job.RunAsync(computeShard, Concurrency, progress, log).GetAwaiter().GetResult();

        void Log(string line) => Console.Error.WriteLine($"{name}: {line}");
        var clock = Stopwatch.StartNew();
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            int flagged = 0;
            AnsiConsole.Progress().Start(context =>
            {
                ProgressTask task = context.AddTask($"{name}: pairs", maxValue: total);
                flagged = Run(done =>
                {
                    task.Value = done;
                    if (cluster is not null) task.Description = $"{name}: pairs" + SiloRates(cluster, clock.Elapsed.TotalSeconds).EscapeMarkup();
                }, Log);
            });
            return flagged;
        }
        return Run(done =>
        {
            double rate = (done - job.ResumedItems) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            string left = rate > 0 && done > job.ResumedItems ? $", {rate:F0} pairs/s, {(total - done) / rate:F0} s left" : "";
            Console.Error.WriteLine($"{name}: {done}/{total} pairs{left}{SiloRates(cluster, clock.Elapsed.TotalSeconds)}");
        }, Log);
    }

    /// <summary>The id a cluster job's shards carry, which `otk cluster status` shows: the
    /// command, the output's file name and a random suffix, e.g. "w2 w2.csv 3f9a2c1b".</summary>
    public static string JobId(string name, ShardedJob job) =>
        $"{name} {Path.GetFileNameWithoutExtension(job.WorkDirectory)} {Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>"; per silo: ADDRESS N pairs/s, ..." over the run's seconds so far for a
    /// cluster run, else "".</summary>
    private static string SiloRates(ShardCluster? cluster, double seconds) =>
        cluster is null || cluster.PerSilo.Count == 0 ? ""
            : "; per silo: " + string.Join(", ", cluster.PerSilo.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key} {p.Value / Math.Max(seconds, 1e-9):F0} pairs/s"));

    /// <summary>The summary line a job prints when it ends: pairs computed, time, rate, where
    /// (local: the threads), what was resumed, what was written.</summary>
    public static string Summary(ShardedJob job, int total, double seconds, string local, ShardCluster? cluster, string written)
    {
        int computed = total - job.ResumedItems;
        string where = cluster is null ? local : $"the cluster ({cluster.PerSilo.Count} silo(s) took shards)";
        return $"{computed} pairs in {seconds:F2} s: {computed / Math.Max(seconds, 1e-9):F1} pairs/s on {where}"
            + (job.ResumedItems > 0 ? $" ({job.ResumedItems} resumed from {job.WorkDirectory})" : "") + $"; wrote {written}";
    }
}
