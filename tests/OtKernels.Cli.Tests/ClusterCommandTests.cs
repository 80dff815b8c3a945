// The cluster run with its real parts: redis-server on a free loopback port, two
// `otk cluster silo` processes and an `otk w2 mnist --cluster` client, one silo killed
// (SIGKILL) once the job is under way. The output must be byte-identical to a local run.
// Needs redis-server (tools/test.sh installs it) and MNIST; skipped with the reason where
// either is absent. Everything listens on 127.0.0.1 only, and is killed on the way out.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (ClusterCommandTests.RedisServer() is null) Skip = "redis-server is not installed (tools/test.sh installs it: apt-get install redis-server)";
        else if (new MnistFactAttribute().Skip is { } mnist) Skip = mnist;
    }
}

public sealed class ClusterCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-cluster-").FullName;
    private readonly List<Process> _processes = [];

    public void Dispose()
    {
        foreach (Process p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    internal static string? RedisServer() =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>redis-server on a free loopback port, without persistence; its host:port.</summary>
    private string StartRedis()
    {
        int port = FreePort();
        var start = new ProcessStartInfo(RedisServer()!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) start.ArgumentList.Add(a);
        Process redis = Process.Start(start)!;
        _processes.Add(redis);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return $"127.0.0.1:{port}";
            }
            catch (SocketException) when (clock.Elapsed.TotalSeconds < 20 && !redis.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

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
        return silo;
    }

    private string Pairs(int count, int seed)
    {
        var rng = new Random(seed);
        System.IO.File.WriteAllLines(PathOf("pairs.csv"), ["i,j", .. Enumerable.Range(0, count).Select(_ => $"{rng.Next(60000)},{rng.Next(60000)}")]);
        return PathOf("pairs.csv");
    }

    [ClusterFact]
    public void W2_OnTwoSilos_OneKilledMidJob_IsByteIdenticalToALocalRun()
    {
        string redis = StartRedis(), clusterId = $"test-{Guid.NewGuid():N}";
        Process doomed = StartSilo(redis, clusterId);
        StartSilo(redis, clusterId);
        string pairs = Pairs(12000, seed: 7);
        OtkRun local = OtkProcess.Run(["w2", "mnist", "--pairs", pairs, "--out", PathOf("local.csv"), "--threads", "1"]);
        Assert.True(local.ExitCode == 0, local.Stderr);

        // Kill a silo once the first shard is written: the job is under way, shards are in
        // flight on both silos.
        string output = PathOf("cluster.csv");
        Process client = OtkProcess.Start(["w2", "mnist", "--pairs", pairs, "--out", output, "--cluster", redis, "--cluster-id", clusterId]);
        var clock = Stopwatch.StartNew();
        while (!System.IO.File.Exists(output + ".shards/shard-000000.csv.done") && !client.HasExited && clock.Elapsed.TotalSeconds < 120) Thread.Sleep(20);
        doomed.Kill(entireProcessTree: true);
        OtkRun cluster = OtkProcess.Wait(client);

        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        Assert.Contains("pairs/s on the cluster", cluster.Stdout, StringComparison.Ordinal);
        Assert.Equal(System.IO.File.ReadAllBytes(PathOf("local.csv")), System.IO.File.ReadAllBytes(output));
    }

    [ClusterFact]
    public void DwePairs_OnTheCluster_WritesTheFilesOfALocalRun()
    {
        string redis = StartRedis(), clusterId = $"test-{Guid.NewGuid():N}";
        StartSilo(redis, clusterId);
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
        string redis = StartRedis();
        OtkRun run = OtkProcess.Run(["w2", "mnist", "--pairs", Pairs(10, seed: 1), "--out", PathOf("none.csv"), "--cluster", redis, "--cluster-id", "empty"]);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("otk: could not join cluster 'empty' through Redis at " + redis, run.Stderr.Trim(), StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(PathOf("none.csv")));
    }
}
