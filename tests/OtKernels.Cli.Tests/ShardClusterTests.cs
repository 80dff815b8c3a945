// The cluster's refusals, through the library: a silo hosted in this process on a Redis of
// its own, and a client. A shard whose computation fails on every try fails the job with its
// number and the error; a silo refuses work stamped with another engine build, and pixels
// whose SHA-256 does not match. Needs redis-server; skipped with the reason where it is absent.
using Microsoft.Extensions.Hosting;
using OtKernels.Cluster;
using OtKernels.Data;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisProcess.Executable is null) Skip = "redis-server is not installed (tools/test.sh installs it: apt-get install redis-server)";
    }
}

/// <summary>One Redis and one in-process silo for the tests of the class.</summary>
public sealed class InProcessCluster : IDisposable
{
    private readonly RedisProcess _redis = new();
    private readonly IHost _silo;

    public InProcessCluster()
    {
        if (RedisProcess.Executable is null) { _silo = null!; return; }
        Address = new ClusterAddress(_redis.Start(), $"test-{Guid.NewGuid():N}");
        _silo = SiloHost.Build(Address, SiloOptions.Local with { Threads = 1 });
        _silo.StartAsync().GetAwaiter().GetResult();
    }

    public ClusterAddress Address { get; } = new("127.0.0.1:1");

    public void Dispose()
    {
        _silo?.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        _silo?.Dispose();
        _redis.Dispose();
    }
}

public sealed class ShardClusterTests(InProcessCluster cluster) : IClassFixture<InProcessCluster>
{
    private const int Side = 4, Pixels = Side * Side;

    private static byte[] Images(int count, byte value) => Enumerable.Repeat(value, count * Pixels).ToArray();

    private static ShardClusterException Refused(ShardCluster client, ImagePairsWork work) =>
        Assert.Throws<ShardClusterException>(() => client.SolveImagePairsAsync("refusals", work).GetAwaiter().GetResult());

    [RedisFact]
    public async Task AShard_ComputesOnTheSilo_AsLocally()
    {
        await using ShardCluster client = await ShardCluster.ConnectAsync(cluster.Address);
        byte[] first = [.. Enumerable.Range(0, 2 * Pixels).Select(k => (byte)(k % 7 + 1))];
        byte[] second = [.. Enumerable.Range(0, 2 * Pixels).Select(k => (byte)(k % 5 + 1))];
        ImagePairsReply reply = await client.SolveImagePairsAsync("local", ImagePairsWork.Create(3, Side, Side, first, second));
        Assert.Equal(OtKernels.Data.ImagePairsW2.Solve(first, second, Side, Side, threads: 1).W2Squared, reply.W2Squared);
        Assert.Equal(0, reply.NotOptimal);
    }

    [RedisFact]
    public async Task AShardThatFailsOnEveryTry_FailsTheJob_NamingTheShardAndTheError()
    {
        await using ShardCluster client = await ShardCluster.ConnectAsync(cluster.Address);
        ShardClusterException e = Refused(client, ImagePairsWork.Create(7, Side, Side, Images(1, 0), Images(1, 1)));
        Assert.StartsWith($"shard 7 failed {ShardCluster.MaxShardFailures} times on the cluster: ArgumentException: The image is all zero", e.Message, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task WorkOfAnotherEngineBuild_IsRefused()
    {
        await using ShardCluster client = await ShardCluster.ConnectAsync(cluster.Address);
        byte[] a = Images(1, 1), b = Images(1, 2);
        var work = new ImagePairsWork("0.0.1+another", 0, Side, Side, a, b, ImagePairsWork.Hash(a, b));
        ShardClusterException e = Refused(client, work);
        Assert.Contains($"runs engine {EngineVersion.Current}, the job needs 0.0.1+another", e.Message, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task PixelsThatDoNotMatchTheirHash_AreRefused()
    {
        await using ShardCluster client = await ShardCluster.ConnectAsync(cluster.Address);
        ImagePairsWork work = ImagePairsWork.Create(2, Side, Side, Images(1, 1), Images(1, 2)) with { Second = Images(1, 3) };
        Assert.Contains("shard 2: its pixels arrived with another SHA-256", Refused(client, work).Message, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task ItemsOfATileThatDoNotMatchTheirHash_AreRefused()
    {
        await using ShardCluster client = await ShardCluster.ConnectAsync(cluster.Address);
        DistancesWork work = DistancesWork.Create(4, new AllPairsDistance(AllPairsMetric.Euclidean, 1, 2), 0, [0, 0, 3, 4], 0, [0, 0, 3, 4]);
        DistancesReply reply = await client.SolveDistancesAsync("tiles", work);
        Assert.Equal([5.0], reply.Values);
        var e = await Assert.ThrowsAsync<ShardClusterException>(() => client.SolveDistancesAsync("tiles", work with { Columns = [0, 0, 3, 5] }));
        Assert.Contains("shard 4: its items arrived with another SHA-256", e.Message, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task TheSilosReport_TheirLoad_AndWhatTheyComputedPerJob()
    {
        await using ShardCluster client = await ShardCluster.ConnectAsync(cluster.Address);
        string job = $"status test {Guid.NewGuid():N}";
        byte[] three = Images(3, 9), one = Images(1, 9);
        await client.SolveImagePairsAsync(job, ImagePairsWork.Create(0, Side, Side, three, three));
        await client.SolveImagePairsAsync(job, ImagePairsWork.Create(1, Side, Side, one, one));

        SiloState silo = Assert.Single(await client.SilosAsync(TimeSpan.FromSeconds(10)), s => s.Status == "Active");
        Assert.True(silo.MemoryUsage > 0, $"memory {silo.MemoryUsage}");
        SiloReport report = Assert.IsType<SiloReport>(silo.Report);
        Assert.Equal((silo.Silo, EngineVersion.Current, 1), (report.Silo, report.EngineVersion, report.Threads));
        Assert.Equal((null, 0), (report.ComputingJob, report.Waiting));
        JobActivity done = Assert.Single(report.Jobs, j => j.Job == job);
        Assert.Equal((2, 4L), (done.Shards, done.Items));
    }
}

public class ClusterAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "otk", "redis")]          // no port
    [InlineData("127.0.0.1:0", "otk", "redis")]
    [InlineData("127.0.0.1:70000", "otk", "redis")]
    [InlineData(":6379", "otk", "redis")]               // no host
    [InlineData("127.0.0.1:6379", "", "clusterId")]
    [InlineData("127.0.0.1:6379", "a b", "clusterId")]
    public void BadAddresses_AreRefused_NamingTheArgument(string redis, string clusterId, string argument)
    {
        Assert.Throws<ArgumentException>(argument, () => new ClusterAddress(redis, clusterId));
    }

    [Fact]
    public void AGoodAddress_KeepsItsParts()
    {
        var address = new ClusterAddress("redis.internal:6379", "jobs-1.a_b");
        Assert.Equal(("redis.internal:6379", "jobs-1.a_b"), (address.Redis, address.ClusterId));
        Assert.Equal(ClusterAddress.DefaultClusterId, new ClusterAddress("[::1]:6379").ClusterId);
    }
}
