// A silo's shards: they compute one at a time (each uses the silo's --threads; a silo that
// took several at once would only slow each while others wait on idle silos), on the thread
// pool (not on the grain's scheduler, which also serves Orleans' own messages). And what the
// silo has been doing, for `otk cluster status`: the shard it computes now, how many wait
// behind it, and per job the shards and items it computed (the most recent jobs only).
// One per silo, used by ShardWorker, read by SiloMonitor.
namespace OtKernels.Cluster;

/// <summary>A silo's shards, one at a time, and its work now and per job.</summary>
internal sealed class SiloActivity : IDisposable
{
    private readonly SemaphoreSlim _oneShardAtATime = new(1, 1);

    /// <summary>Jobs remembered (the least recently active is forgotten first).</summary>
    private const int MaxJobs = 32;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, JobActivity> _jobs = new(StringComparer.Ordinal);
    private (string Job, int Shard, DateTime Since)? _computing;
    private int _waiting;
    private DateTime _lastActivity = DateTime.UtcNow;

    /// <summary>Runs shard of job (compute returns a reply and the items it holds) on the
    /// thread pool once no other shard computes on this silo.</summary>
    public async Task<T> RunAsync<T>(string job, int shard, Func<(T Reply, int Items)> compute)
    {
        lock (_lock)
        {
            _waiting++;
            _lastActivity = DateTime.UtcNow;
        }
        await _oneShardAtATime.WaitAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        DateTime since = DateTime.UtcNow;
        lock (_lock)
        {
            _waiting--;
            _computing = (job, shard, since);
        }
        int items = 0;
        try
        {
            (T reply, items) = await Task.Run(compute).ConfigureAwait(true);
            return reply;
        }
        finally
        {
            Finished(job, since, items);
            _oneShardAtATime.Release();
        }
    }

    private void Finished(string job, DateTime since, int items)
    {
        lock (_lock)
        {
            _computing = null;
            DateTime end = _lastActivity = DateTime.UtcNow;
            if (items == 0) return; // a failed shard
            JobActivity old = _jobs.GetValueOrDefault(job, new JobActivity(job, 0, 0, 0, end));
            _jobs[job] = old with { Shards = old.Shards + 1, Items = old.Items + items, Seconds = old.Seconds + (end - since).TotalSeconds, Last = end };
            if (_jobs.Count > MaxJobs) _jobs.Remove(_jobs.Values.MinBy(j => j.Last)!.Job);
        }
    }

    /// <summary>Whether no shard has arrived, computed or waited for the given time.</summary>
    public bool IdleFor(TimeSpan time)
    {
        lock (_lock) return _computing is null && _waiting == 0 && DateTime.UtcNow - _lastActivity >= time;
    }

    public void Dispose() => _oneShardAtATime.Dispose();

    /// <summary>A snapshot for a report.</summary>
    public (string? Job, int Shard, double Seconds, int Waiting, JobActivity[] Jobs) Snapshot()
    {
        lock (_lock)
        {
            return (_computing?.Job, _computing?.Shard ?? -1, _computing is { } now ? (DateTime.UtcNow - now.Since).TotalSeconds : 0,
                _waiting, [.. _jobs.Values.OrderByDescending(j => j.Last)]);
        }
    }
}

/// <summary>What a silo computed for one job.</summary>
/// <param name="Job">The job's id (command, output file and a random suffix).</param>
/// <param name="Shards">Shards computed.</param>
/// <param name="Items">Items (pairs) computed.</param>
/// <param name="Seconds">Seconds spent computing them.</param>
/// <param name="Last">When the last one ended (UTC).</param>
[GenerateSerializer, Immutable]
public sealed record JobActivity(
    [property: Id(0)] string Job,
    [property: Id(1)] int Shards,
    [property: Id(2)] long Items,
    [property: Id(3)] double Seconds,
    [property: Id(4)] DateTime Last);
