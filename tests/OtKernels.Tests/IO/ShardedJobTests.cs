// ShardedJob: resumes only what it can prove (row count and SHA-256 receipts), redoes and
// reports the rest, and refuses a second run on the same output while the first is alive.
using OtKernels.IO;
using Xunit;

namespace OtKernels.Tests.IO;

public sealed class ShardedJobTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-shards-").FullName;
    private readonly List<int> _computed = [];
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Output => Path.Combine(_dir, "job.csv");

    private static string[] Expected => ["k,square", .. Enumerable.Range(0, 10).Select(k => $"{k},{k * k}")];

    private ShardedJob Job() => new(Output, "k,square", count: 10, shardSize: 2, fingerprint: "test");

    private IReadOnlyList<string> Squares(int start, int length)
    {
        _computed.Add(start);
        return Enumerable.Range(start, length).Select(k => $"{k},{k * k}").ToArray();
    }

    /// <summary>A run killed while computing shard 4 (items 8, 9): shards 0..3 are on disk.</summary>
    private void Interrupted()
    {
        Assert.Throws<OperationCanceledException>(() => Job().Run((s, l) => s == 8 ? throw new OperationCanceledException() : Squares(s, l)));
        Assert.False(File.Exists(Output));
        Assert.False(File.Exists(Job().LockPath));
        _computed.Clear();
    }

    private string Shard(int k) => Path.Combine(Job().WorkDirectory, $"shard-{k:D6}.csv");

    [Fact]
    public async Task RunAsync_ShardsFinishingInReverseOrder_WriteTheSameFile()
    {
        // Each shard finishes only after the next one has: all five must be in flight at
        // once (with fewer the chain would wait forever, hence the timeout), they finish
        // last to first, and the output is still assembled in shard order.
        TaskCompletionSource[] finished = [.. Enumerable.Range(0, 6).Select(_ => new TaskCompletionSource())];
        finished[5].SetResult();
        var order = new List<int>();
        await Job().RunAsync(async (start, length, token) =>
        {
            int shard = start / 2;
            await finished[shard + 1].Task.WaitAsync(TimeSpan.FromSeconds(30), token);
            lock (order) order.Add(shard);
            var output = new ShardOutput(Squares(start, length));
            finished[shard].SetResult();
            return output;
        }, concurrency: () => 5);
        Assert.Equal(Expected, File.ReadAllLines(Output));
        Assert.Equal([4, 3, 2, 1, 0], order);
    }

    [Fact]
    public async Task RunAsync_AShardThatFails_StopsTheJob_CancelsTheOthers_AndKeepsTheFinishedOnes()
    {
        var cancelled = 0;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Job().RunAsync(async (start, length, token) =>
        {
            if (start == 2) throw new InvalidOperationException("shard 1 failed");
            if (start == 0) return new ShardOutput(Squares(start, length));
            try { await Task.Delay(Timeout.Infinite, token); }
            catch (OperationCanceledException) { Interlocked.Increment(ref cancelled); throw; }
            return new ShardOutput(Squares(start, length));
        }, concurrency: () => 5));
        Assert.Equal("shard 1 failed", e.Message);
        Assert.Equal(3, cancelled); // shards 2, 3 and 4 were in flight
        Assert.False(File.Exists(Output));
        Assert.False(File.Exists(Job().LockPath));
        Assert.True(File.Exists(Shard(0) + ".done"));
    }

    [Fact]
    public void ResumesAfterInterruption_WithoutRecomputingDoneShards()
    {
        Interrupted();
        ShardedJob resumed = Job();
        resumed.Run(Squares, log: _log.Add);
        Assert.Equal(8, resumed.ResumedItems);
        Assert.Equal([8], _computed);
        Assert.Empty(_log);
        Assert.Equal(Expected, File.ReadAllLines(Output));
        Assert.False(Directory.Exists(resumed.WorkDirectory));
    }

    [Theory]
    [InlineData("truncated")]  // cut mid-row: the old merge fused it with the next shard's first row
    [InlineData("emptied")]
    [InlineData("edited")]     // same row count, another value
    [InlineData("unreceipted")]
    public void DamagedShard_IsRedone_AndReported(string damage)
    {
        Interrupted();
        switch (damage)
        {
            case "truncated": File.WriteAllText(Shard(1), "2,4\n3,"); break;
            case "emptied": File.WriteAllText(Shard(1), ""); break;
            case "edited": File.WriteAllText(Shard(1), "2,4\n3,10\n"); break;
            case "unreceipted": File.Delete(Shard(1) + ".done"); break;
        }
        ShardedJob resumed = Job();
        resumed.Run(Squares, log: _log.Add);
        Assert.Equal([2, 8], _computed);
        Assert.Equal(6, resumed.ResumedItems);
        Assert.Contains(_log, l => l.Contains("shard 1") && l.Contains("computing it again"));
        Assert.Equal(Expected, File.ReadAllLines(Output));
    }

    [Fact]
    public void FlaggedItems_OfResumedShards_AreStillCounted()
    {
        // Items 3 and 8 are "not proven" (w2: the pivot limit); the run is killed after shard 3.
        ShardOutput Flagging(int start, int length) =>
            new(Squares(start, length), Enumerable.Range(start, length).Count(k => k is 3 or 8));
        Assert.Throws<OperationCanceledException>(() => Job().Run((s, l) => s == 8 ? throw new OperationCanceledException() : Flagging(s, l)));
        Assert.Equal(2, Job().Run(Flagging)); // item 3 from a resumed shard, item 8 computed now
        Assert.Equal(Expected, File.ReadAllLines(Output));
    }

    [Fact]
    public void ShardsOfAnotherJob_AreDiscarded_AndReported()
    {
        var first = new ShardedJob(Output, "k", 4, 2, "inputs-A");
        Assert.Throws<InvalidOperationException>(() => first.Run((s, l) => s == 0 ? ["0", "1"] : throw new InvalidOperationException("stop")));
        var second = new ShardedJob(Output, "k", 4, 2, "inputs-B");
        second.Run((s, l) => [$"{s}b", $"{s + 1}b"], log: _log.Add);
        Assert.Equal(0, second.ResumedItems);
        Assert.Equal(["k", "0b", "1b", "2b", "3b"], File.ReadAllLines(Output));
        Assert.Contains(_log, l => l.Contains("discarded 1 shard"));
    }

    [Fact]
    public void MalformedResultLines_AreRefused_BeforeTheyReachAShard()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Job().Run((s, l) => Enumerable.Range(s, l).Select(k => $"{k},{k},{k}").ToArray()));
        Assert.Contains("item 0", e.Message);
        Assert.Throws<InvalidOperationException>(() => Job().Run((s, l) => Enumerable.Range(s, l).Select(k => $"{k},\n{k}").ToArray()));
        Assert.Throws<InvalidOperationException>(() => Job().Run((s, l) => ["0,0"]));
        Assert.Empty(Directory.GetFiles(Job().WorkDirectory, "shard-*"));
    }

    [Fact]
    public void SecondRunOnTheSameOutput_IsRefused_NamingTheFirst()
    {
        using (OutputLock.Acquire(Job().LockPath, Output))
        {
            var e = Assert.Throws<OutputLockedException>(() => Job().Run(Squares));
            Assert.Contains(Output, e.Message);
            Assert.Contains($"pid {Environment.ProcessId}", File.ReadAllText(Job().LockPath));
            Assert.Empty(_computed);
        }
        Job().Run(Squares);
        Assert.Equal(Expected, File.ReadAllLines(Output));
        Assert.False(File.Exists(Job().LockPath));
    }

    [Fact]
    public void StaleLock_OfADeadRun_IsTakenOver_AndReported()
    {
        File.WriteAllText(Job().LockPath, "pid 999999 on host elsewhere, since 2026-01-01 00:00:00Z: otk w2 mnist\n");
        Job().Run(Squares, log: _log.Add);
        Assert.Contains(_log, l => l.Contains("took over") && l.Contains("pid 999999"));
        Assert.Equal(Expected, File.ReadAllLines(Output));
        Assert.False(File.Exists(Job().LockPath));
    }

    [Fact]
    public void ShardsOfGivenLengths_GetTheirStarts_AndResumeLikeFixedOnes()
    {
        int[] lengths = [3, 1, 4, 2];
        ShardedJob Uneven() => new(Output, "k,square", lengths, "test");
        Assert.Equal(4, Uneven().ShardCount);
        Assert.Throws<OperationCanceledException>(() => Uneven().Run((s, l) => s == 8 ? throw new OperationCanceledException() : Squares(s, l)));
        Assert.Equal([0, 3, 4], _computed);
        _computed.Clear();
        Uneven().Run(Squares);
        Assert.Equal([8], _computed); // only the shard that was cut short
        Assert.Equal(Expected, File.ReadAllLines(Output));
    }

    [Fact]
    public void ShardsOfOtherLengths_AreDiscarded()
    {
        Assert.Throws<InvalidOperationException>(() => new ShardedJob(Output, "k,square", [5, 5], "test")
            .Run((s, l) => s == 0 ? Squares(s, l) : throw new InvalidOperationException("stop")));
        new ShardedJob(Output, "k,square", [4, 6], "test").Run(Squares, log: _log.Add);
        Assert.Contains(_log, l => l.Contains("discarded 1 shard"));
        Assert.Equal(Expected, File.ReadAllLines(Output));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void AShardOfNoItems_IsRefused_NamingIt(int length)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ShardedJob(Output, "k", [2, length, 1], "test"));
        Assert.Contains("shard 1", e.Message);
    }
}
