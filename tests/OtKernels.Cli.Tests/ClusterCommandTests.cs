// The cluster run with its real parts: redis-server on a free loopback port, two
// `otk cluster silo` processes and an `otk w2 mnist --cluster` client, one silo killed
// (SIGKILL) once the job is under way. The output must be byte-identical to a local run.
// Needs redis-server (tools/test.sh installs it) and MNIST; skipped with the reason where
// either is absent. Everything listens on 127.0.0.1 only, and is killed on the way out.
using System.Diagnostics;
using Xunit;

namespace OtKernels.Cli.Tests;

/// <summary>A cluster test on MNIST: needs redis-server (RedisFact) and the MNIST files.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute() => Skip = new RedisFactAttribute().Skip ?? new MnistFactAttribute().Skip;
}

public sealed class ClusterCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-cluster-").FullName;
    private readonly List<Process> _processes = [];
    private readonly List<RedisProcess> _redis = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _siloLog = new();

    public void Dispose()
    {
        foreach (Process p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (RedisProcess redis in _redis) redis.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A Redis of the test's own and silos of a fresh cluster id in it.</summary>
    private (string Redis, string ClusterId, RedisProcess Process) StartCluster(int silos)
    {
        var redis = new RedisProcess();
        _redis.Add(redis);
        string address = redis.Start(), clusterId = $"test-{Guid.NewGuid():N}";
        for (int k = 0; k < silos; k++) StartSilo(address, clusterId);
        return (address, clusterId, redis);
    }

    private static string[] W2OnCluster(string pairs, string output, string redis, string clusterId) =>
        ["w2", "mnist", "--pairs", pairs, "--out", output, "--cluster", redis, "--cluster-id", clusterId];

    /// <summary>An otk silo; returns once it says it joined.</summary>
    private Process StartSilo(string redis, string clusterId)
    {
        Process silo = OtkProcess.Start(["cluster", "silo", "--redis", redis, "--cluster-id", clusterId, "--threads", "1"]);
        _processes.Add(silo);
        string? line = silo.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        if (line?.StartsWith("silo joined", StringComparison.Ordinal) != true)
        {
            silo.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"the silo did not start: {line} {silo.StandardError.ReadToEnd()}");
        }
        // Drained, or a silo that logs much (Orleans' warnings while Redis is away) would
        // block on a full pipe.
        silo.ErrorDataReceived += (_, e) => { if (e.Data is not null) _siloLog.Enqueue(e.Data); };
        silo.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Starts otk with args and returns once the first shard of output is written
    /// (the job is under way, shards in flight).</summary>
    private Process StartAndWaitForAShard(string[] args, string output)
    {
        Process run = OtkProcess.Start(args);
        _processes.Add(run);
        var clock = Stopwatch.StartNew();
        while (!System.IO.File.Exists(output + ".shards/shard-000000.csv.done") && !run.HasExited && clock.Elapsed.TotalSeconds < 120) Thread.Sleep(20);
        if (run.HasExited) throw new Xunit.Sdk.XunitException($"otk ended before a shard was written: {run.StandardError.ReadToEnd()}");
        return run;
    }

    /// <summary>The reference: otk w2 mnist on one local thread, into local.csv.</summary>
    private void RunLocally(string pairs)
    {
        OtkRun local = OtkProcess.Run(["w2", "mnist", "--pairs", pairs, "--out", PathOf("local.csv"), "--threads", "1"]);
        Assert.True(local.ExitCode == 0, local.Stderr);
    }

    private string Pairs(int count, int seed)
    {
        var rng = new Random(seed);
        System.IO.File.WriteAllLines(PathOf("pairs.csv"), ["i,j", .. Enumerable.Range(0, count).Select(_ => $"{rng.Next(60000)},{rng.Next(60000)}")]);
        return PathOf("pairs.csv");
    }

    [ClusterFact]
    public void W2_OnTwoSilos_OneKilledMidJob_IsByteIdenticalToALocalRun() =>
        RunWithASiloKilled(["w2", "mnist", "--pairs", Pairs(12000, seed: 7)]);

    /// <summary>job (an otk command without --out) on one local thread into local.csv, and
    /// on two silos into cluster.csv with one silo killed at a random moment (up to 1.5 s)
    /// after the first shard is written, when shards are in flight on both: the two files
    /// must be identical.</summary>
    private void RunWithASiloKilled(string[] job)
    {
        (string redis, string clusterId, _) = StartCluster(silos: 0);
        Process doomed = StartSilo(redis, clusterId);
        StartSilo(redis, clusterId);
        OtkRun local = OtkProcess.Run([.. job, "--threads", "1", "--out", PathOf("local.csv")]);
        Assert.True(local.ExitCode == 0, local.Stderr);

        string output = PathOf("cluster.csv");
        Process client = StartAndWaitForAShard([.. job, "--out", output, "--cluster", redis, "--cluster-id", clusterId], output);
        int delay = Random.Shared.Next(1500);
        Thread.Sleep(delay);
        doomed.Kill(entireProcessTree: true);
        OtkRun cluster = OtkProcess.Wait(client);

        Assert.True(cluster.ExitCode == 0, $"silo killed {delay} ms after the first shard: {cluster.Stderr}");
        Assert.Contains("pairs/s on the cluster", cluster.Stdout, StringComparison.Ordinal);
        Assert.True(System.IO.File.ReadAllBytes(PathOf("local.csv")).AsSpan().SequenceEqual(System.IO.File.ReadAllBytes(output)),
            $"silo killed {delay} ms after the first shard: the outputs differ");
    }

    [ClusterFact]
    public void W2_WithRedisRestartedMidJob_FinishesByteIdentical()
    {
        (string address, string clusterId, RedisProcess redis) = StartCluster(silos: 1);
        string pairs = Pairs(8000, seed: 9);
        RunLocally(pairs);
        string output = PathOf("cluster.csv");
        Process client = StartAndWaitForAShard(W2OnCluster(pairs, output, address, clusterId), output);
        redis.Restart();
        OtkRun cluster = OtkProcess.Wait(client);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        Assert.Equal(System.IO.File.ReadAllBytes(PathOf("local.csv")), System.IO.File.ReadAllBytes(output));
    }

    [ClusterFact]
    public void W2_ClientKilledMidJob_ResumesItsShards_OnTheRerun()
    {
        (string redis, string clusterId, _) = StartCluster(silos: 1);
        string pairs = Pairs(8000, seed: 11), output = PathOf("cluster.csv");
        RunLocally(pairs);
        string[] run = W2OnCluster(pairs, output, redis, clusterId);
        Process first = StartAndWaitForAShard(run, output);
        first.Kill(entireProcessTree: true);
        first.WaitForExit();

        OtkRun rerun = OtkProcess.Run(run);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Matches(@"\(\d+ resumed from ", rerun.Stdout);
        Assert.Equal(System.IO.File.ReadAllBytes(PathOf("local.csv")), System.IO.File.ReadAllBytes(output));
    }

    [ClusterFact]
    public void ASiloJoiningMidJob_TakesShards()
    {
        (string redis, string clusterId, _) = StartCluster(silos: 1);
        // 20 shards: at a few seconds each on one thread, most are still to place when the
        // second silo has joined and been counted (every 5 s); random placement then gives
        // it some of them (none of 10 or more would be a chance of 1 in 1,000).
        string pairs = Pairs(40000, seed: 13), output = PathOf("cluster.csv");
        Process client = StartAndWaitForAShard(W2OnCluster(pairs, output, redis, clusterId), output);
        StartSilo(redis, clusterId);
        OtkRun cluster = OtkProcess.Wait(client);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        Assert.Contains("on the cluster (2 silo(s) took shards)", cluster.Stdout, StringComparison.Ordinal);

        OtkRun status = OtkProcess.Run(["cluster", "status", "--redis", redis, "--cluster-id", clusterId]);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.StartsWith($"cluster '{clusterId}' at {redis}: 2 active silo(s)", status.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, status.Stdout.Split('\n').Count(line => line.Contains("  Active  started ", StringComparison.Ordinal)));
        Assert.Equal(2, status.Stdout.Split('\n').Count(line => line.StartsWith("    idle, 0 waiting; 1 thread(s) per shard", StringComparison.Ordinal)));
        Assert.Matches(@"\n  'w2 cluster\.csv [0-9a-f]{8}': 20 shard\(s\), 40000 pairs on 2 silo\(s\)", status.Stdout);
    }

    [ClusterFact]
    public void DwePairs_OnTheCluster_WritesTheFilesOfALocalRun()
    {
        (string redis, string clusterId, _) = StartCluster(silos: 1);
        string[] common = ["dwe", "pairs", "--count", "3000", "--seed", "5"];
        OtkRun local = OtkProcess.Run([.. common, "--out", PathOf("local"), "--threads", "1"]);
        Assert.True(local.ExitCode == 0, local.Stderr);
        OtkRun cluster = OtkProcess.Run([.. common, "--out", PathOf("cluster"), "--cluster", redis, "--cluster-id", clusterId]);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        foreach (string file in new[] { "train.csv", "valid.csv", "test.csv", "manifest.json" })
            Assert.Equal(System.IO.File.ReadAllBytes(Path.Combine(PathOf("local"), file)), System.IO.File.ReadAllBytes(Path.Combine(PathOf("cluster"), file)));
    }

    [ClusterFact]
    public void W2_OnAClusterWithNoSilo_FailsInOneLine_NamingTheRedis()
    {
        (string redis, _, _) = StartCluster(silos: 0);
        OtkRun run = OtkProcess.Run(["w2", "mnist", "--pairs", Pairs(10, seed: 1), "--out", PathOf("none.csv"), "--cluster", redis, "--cluster-id", "empty"]);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("otk: could not join cluster 'empty' through Redis at " + redis, run.Stderr.Trim(), StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(PathOf("none.csv")));
    }

    [RedisFact]
    public void Distances_OnTwoSilos_OneKilledMidJob_IsByteIdenticalToALocalRun()
    {
        // 700 clouds of 16 points: 244,650 pairs in 105 tiles, seconds of work on each silo.
        (string embedding, _) = DistancesCommandTests.Embedding(_dir, "clouds", 5, 700, 16, 2);
        RunWithASiloKilled(["distances", "--embedding", embedding, "--metric", "w2", "--tile", "50"]);
    }

    [RedisFact]
    public void ASilo_WhoseRedisRestartedEmpty_JoinsAgain_AndTakesTheNextJob()
    {
        (string address, string clusterId, RedisProcess redis) = StartCluster(silos: 0);
        Process silo = StartSilo(address, clusterId);
        redis.Restart();
        // The silo finds its row gone (3 checks, 3 s apart), leaves and joins again.
        Task<string?> next = silo.StandardOutput.ReadLineAsync();
        string? line = next.Wait(TimeSpan.FromSeconds(90)) ? next.Result : "(no line in 90 s)";
        Assert.True(line?.StartsWith("silo joined", StringComparison.Ordinal) == true, $"{line}\n{string.Join('\n', _siloLog.TakeLast(20))}");
        Assert.Contains(_siloLog, l => l.Contains("row is gone from the membership table", StringComparison.Ordinal));

        (string embedding, _) = DistancesCommandTests.Embedding(_dir, "vectors", 8, 50, 4);
        string[] job = ["distances", "--embedding", embedding, "--metric", "euclidean", "--tile", "10"];
        OtkRun local = OtkProcess.Run([.. job, "--out", PathOf("local.csv")]);
        OtkRun cluster = OtkProcess.Run([.. job, "--out", PathOf("cluster.csv"), "--cluster", address, "--cluster-id", clusterId]);
        Assert.True(local.ExitCode == 0 && cluster.ExitCode == 0, local.Stderr + cluster.Stderr);
        Assert.Contains("on the cluster (1 silo(s) took shards)", cluster.Stdout, StringComparison.Ordinal);
        Assert.Equal(System.IO.File.ReadAllBytes(PathOf("local.csv")), System.IO.File.ReadAllBytes(PathOf("cluster.csv")));
    }

    [RedisFact]
    public void Distances_OnTheCluster_CarryTheirOptions_AndWriteTheLocalFiles()
    {
        (string redis, string clusterId, _) = StartCluster(silos: 1);
        (string clouds, _) = DistancesCommandTests.Embedding(_dir, "clouds", 6, 40, 6, 3);
        (string vectors, _) = DistancesCommandTests.Embedding(_dir, "vectors", 7, 300, 10);
        string[][] jobs =
        [
            ["--embedding", clouds, "--metric", "sinkhorn", "--epsilon", "1", "--epsilon-scaling", "0.5", "--tolerance", "1e-8", "--tile", "16"],
            ["--embedding", vectors, "--metric", "euclidean", "--tile", "64"],
        ];
        foreach (string[] job in jobs)
        {
            OtkRun local = OtkProcess.Run(["distances", .. job, "--out", PathOf("local.csv"), "--square", PathOf("local.npy")]);
            Assert.True(local.ExitCode == 0, local.Stderr);
            OtkRun cluster = OtkProcess.Run(["distances", .. job, "--out", PathOf("cluster.csv"), "--square", PathOf("cluster.npy"), "--cluster", redis, "--cluster-id", clusterId]);
            Assert.True(cluster.ExitCode == 0, cluster.Stderr);
            Assert.Equal(System.IO.File.ReadAllBytes(PathOf("local.csv")), System.IO.File.ReadAllBytes(PathOf("cluster.csv")));
            Assert.Equal(System.IO.File.ReadAllBytes(PathOf("local.npy")), System.IO.File.ReadAllBytes(PathOf("cluster.npy")));
            foreach (string file in new[] { "local.csv", "local.npy", "cluster.csv", "cluster.npy" }) System.IO.File.Delete(PathOf(file));
        }
    }
}
