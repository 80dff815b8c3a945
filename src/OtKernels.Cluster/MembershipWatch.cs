// A silo whose own row has gone from the membership table cannot get back in: Orleans keeps
// failing to update the row ("Failed to update table entry") and no client finds its
// gateway. That happens when the cluster's Redis restarts without persistence and comes back
// empty (measured with Orleans 10.4.2). This watch reads the silo's row every few seconds;
// when Redis answers without it several times running, it says so, and SiloHost.RunAsync
// starts the silo afresh, which writes a new table and a new row. A Redis that does not
// answer is not a lost row: the silo keeps computing, as it does while Redis restarts.
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace OtKernels.Cluster;

/// <summary>Signals when this silo's membership row is gone.</summary>
internal sealed class MembershipWatch(IMembershipTable table, ILocalSiloDetails silo) : BackgroundService
{
    /// <summary>Checks apart.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(3);

    /// <summary>Checks in a row that must find the row gone (a row is written before the
    /// silo reports itself started, so one miss is not a race).</summary>
    public const int Misses = 3;

    private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the row has been missing for Misses checks in a row.</summary>
    public Task Lost => _lost.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int misses = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(Period, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested) return;
            bool? present = await RowPresentAsync().ConfigureAwait(false);
            misses = present == false ? misses + 1 : 0;
            if (misses >= Misses)
            {
                _lost.TrySetResult();
                return;
            }
        }
    }

    /// <summary>Whether the table holds this silo's row; null when Redis did not answer.</summary>
    private async Task<bool?> RowPresentAsync()
    {
        try
        {
            MembershipTableData data = await table.ReadRowAsync(silo.SiloAddress).ConfigureAwait(false);
            return data.Members.Any(m => m.Item1.SiloAddress.Equals(silo.SiloAddress));
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException or TimeoutException or ObjectDisposedException)
        {
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Redis answered, but not with a table: it was emptied (the Redis provider throws
            // "The Redis membership table version is missing").
            return false;
        }
    }
}
