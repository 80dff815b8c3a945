// The client's side of a cluster job: a connection to the cluster, the number of shards to
// keep in flight (two per active silo: one computing, one queued behind it), and a call per
// shard that survives the loss of a silo. Each call is placed, through Orleans' placement
// hint, on the active silo with the fewest of this client's calls in flight, so the silos
// stay evenly loaded (random placement left one silo with four shards and another idle).
// Delivery is at least once: a call whose silo died is retried under a new grain key (so it
// is placed afresh), and the caller keeps one result per shard index. Errors are of two kinds:
//  - the cluster's (a silo gone, a call rejected or timed out, the connection lost): retried
//    with a short backoff until RetryWindow passes without an answer, longer than Orleans'
//    failure detection;
//  - the shard's own (its computation throws, a silo of another engine version): retried
//    on another placement, and after MaxShardFailures the job fails naming the shard.
// A call in flight on a silo that dies is not failed by Orleans until its response timeout
// (30 s); so when the client loses a gateway, every call in flight is abandoned and sent
// again (the ones on live silos are computed twice, harmlessly), which bounds the cost of a
// lost silo by a shard's time rather than by the timeout.
using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace OtKernels.Cluster;

/// <summary>A client connected to a cluster of OtKernels silos.</summary>
public sealed class ShardCluster : IAsyncDisposable
{
    /// <summary>Failures of a shard's own computation before the job gives up on it.</summary>
    public const int MaxShardFailures = 3;

    private readonly IHost _host;
    private readonly IClusterClient _client;
    private readonly ConcurrentDictionary<string, long> _perSilo = new();
    private readonly GatewayLoss _gatewayLoss;
    private readonly Dictionary<SiloAddress, int> _inFlight = [];
    private SiloAddress[] _silos = [];
    private int _attempt, _nextSilo;
    private long _countedAt;

    /// <summary>How often the active silos are counted while shards succeed (a silo that
    /// joins is given work from the next count on).</summary>
    private const long SiloCountPeriodMs = 5000;

    private ShardCluster(IHost host, GatewayLoss gatewayLoss)
    {
        _host = host;
        _gatewayLoss = gatewayLoss;
        _client = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>A token cancelled whenever the client loses a gateway (a silo died or left).</summary>
    private sealed class GatewayLoss : IDisposable
    {
        private CancellationTokenSource _source = new();

        public CancellationToken Token => Volatile.Read(ref _source).Token;

        public void OnGatewayCountChanged(object? sender, GatewayCountChangedEventArgs e)
        {
            if (e.NumberOfConnectedGateways >= e.PreviousNumberOfConnectedGateways) return;
            // Not disposed: a caller may be reading its token at this moment, and a source
            // without a timer holds nothing that needs freeing.
            Interlocked.Exchange(ref _source, new CancellationTokenSource()).Cancel();
        }

        public void Dispose() => _source.Dispose();
    }

    /// <summary>How long the cluster may fail to answer a shard (no silo, calls lost) before
    /// the job stops; Orleans declares a dead silo dead within seconds.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromMinutes(2);

    /// <summary>How long ConnectAsync keeps trying when it finds no silo (one may be starting).</summary>
    public static readonly TimeSpan ConnectWindow = TimeSpan.FromSeconds(15);

    /// <summary>Connects to cluster (its gateways from Redis), trying for
    /// <see cref="ConnectWindow"/>.</summary>
    /// <param name="responseTimeout">How long a call waits for its answer; a call in flight on
    /// a silo that dies fails only then (Orleans' default 30 s).</param>
    /// <exception cref="ShardClusterException">No silo of the cluster could be reached.</exception>
    public static async Task<ShardCluster> ConnectAsync(ClusterAddress cluster, TimeSpan? responseTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var gatewayLoss = new GatewayLoss();
        var connecting = System.Diagnostics.Stopwatch.StartNew();
        IHost host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseOrleansClient(client =>
            {
                client.UseRedisClustering(cluster.Redis);
                client.Configure<ClusterOptions>(o => { o.ClusterId = cluster.ClusterId; o.ServiceId = ClusterAddress.ServiceId; });
                if (responseTimeout is { } timeout) client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = timeout);
                client.AddGatewayCountChangedHandler(gatewayLoss.OnGatewayCountChanged);
                // Orleans retries a client's first connection for minutes by default.
                client.UseConnectionRetryFilter(async (_, token) =>
                {
                    if (connecting.Elapsed > ConnectWindow) return false;
                    await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                    return true;
                });
            })
            .Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            gatewayLoss.Dispose();
            throw new ShardClusterException($"could not join cluster '{cluster.ClusterId}' through Redis at {cluster.Redis}: {e.Message} (is Redis running there, and at least one `otk cluster silo --redis {cluster.Redis}`?)", e);
        }
        var connection = new ShardCluster(host, gatewayLoss);
        await connection.RefreshSilosAsync().ConfigureAwait(false);
        return connection;
    }

    /// <summary>Active silos at the last count (made every few seconds while shards succeed,
    /// and after each failure).</summary>
    public int ActiveSilos => Volatile.Read(ref _silos).Length;

    /// <summary>Shards to keep in flight: two per active silo.</summary>
    public int Concurrency => 2 * Math.Max(1, ActiveSilos);

    private async Task<int> RefreshSilosAsync()
    {
        IManagementGrain management = _client.GetGrain<IManagementGrain>(0);
        Volatile.Write(ref _countedAt, Environment.TickCount64);
        Dictionary<SiloAddress, SiloStatus> hosts = await management.GetHosts(onlyActive: true).ConfigureAwait(false);
        Volatile.Write(ref _silos, [.. hosts.Keys]);
        return hosts.Count;
    }

    /// <summary>The active silo with the fewest of this client's calls in flight (ties taken
    /// in turn), counted as one more; null when none is known.</summary>
    private SiloAddress? Reserve()
    {
        SiloAddress[] silos = Volatile.Read(ref _silos);
        if (silos.Length == 0) return null;
        lock (_inFlight)
        {
            SiloAddress best = silos[0];
            int fewest = int.MaxValue, start = _nextSilo++;
            for (int k = 0; k < silos.Length; k++)
            {
                SiloAddress silo = silos[(start + k) % silos.Length];
                int calls = _inFlight.GetValueOrDefault(silo);
                if (calls < fewest) (best, fewest) = (silo, calls);
            }
            _inFlight[best] = fewest + 1;
            return best;
        }
    }

    private void Release(SiloAddress? silo)
    {
        if (silo is null) return;
        lock (_inFlight)
        {
            if (_inFlight.TryGetValue(silo, out int calls) && calls > 1) _inFlight[silo] = calls - 1;
            else _inFlight.Remove(silo);
        }
    }

    /// <summary>Every silo of the membership table, for `otk cluster status`: its status,
    /// and for the active ones Orleans' CPU and memory figures and the silo's own report of
    /// its work (null where it did not answer within <paramref name="timeout"/>).</summary>
    public async Task<IReadOnlyList<SiloState>> SilosAsync(TimeSpan timeout)
    {
        IManagementGrain management = _client.GetGrain<IManagementGrain>(0);
        MembershipEntry[] entries = await management.GetDetailedHosts(onlyActive: false).ConfigureAwait(false);
        SiloAddress[] active = [.. entries.Where(e => e.Status == SiloStatus.Active).Select(e => e.SiloAddress)];
        SiloRuntimeStatistics[] statistics = active.Length == 0 ? []
            : await management.GetRuntimeStatistics(active).WaitAsync(timeout).ConfigureAwait(false);
        // All silos asked at once: each call sets its hint in its own flow.
        SiloReport?[] reports = await Task.WhenAll(active.Select(silo => ReportOfAsync(silo, timeout))).ConfigureAwait(false);
        return [.. entries.Select(entry =>
        {
            int k = Array.IndexOf(active, entry.SiloAddress);
            SiloRuntimeStatistics? load = k >= 0 ? statistics[k] : null;
            return new SiloState(entry.SiloAddress.ToParsableString(), entry.Status.ToString(), entry.StartTime,
                load?.EnvironmentStatistics.FilteredCpuUsagePercentage, load?.EnvironmentStatistics.FilteredMemoryUsageBytes, k >= 0 ? reports[k] : null);
        })];
    }

    /// <summary>The report of the monitor on silo (placed there by Orleans' placement hint),
    /// or null if it did not answer in time or answered from another silo.</summary>
    private async Task<SiloReport?> ReportOfAsync(SiloAddress silo, TimeSpan timeout)
    {
        string key = silo.ToParsableString();
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            SiloReport report = await _client.GetGrain<ISiloMonitor>(key).Report().WaitAsync(timeout).ConfigureAwait(false);
            return report.Silo == key ? report : null;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return null;
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <summary>Items (pairs) computed per silo through this connection.</summary>
    public IReadOnlyDictionary<string, long> PerSilo => _perSilo;

    /// <summary>Computes one shard of image pairs of job on the cluster.</summary>
    /// <exception cref="ShardClusterException">The shard failed MaxShardFailures times, or the
    /// cluster did not answer for RetryWindow.</exception>
    public Task<ImagePairsReply> SolveImagePairsAsync(string job, ImagePairsWork work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return CallAsync(job, work.Shard, worker => worker.SolveImagePairs(work), reply => (reply.Silo, reply.W2Squared.Length), cancellationToken);
    }

    /// <summary>Computes one tile of an all-pairs distance job on the cluster.</summary>
    /// <exception cref="ShardClusterException">As <see cref="SolveImagePairsAsync"/>.</exception>
    public Task<DistancesReply> SolveDistancesAsync(string job, DistancesWork work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return CallAsync(job, work.Shard, worker => worker.SolveDistances(work), reply => (reply.Silo, reply.Values.Length), cancellationToken);
    }

    /// <summary>Calls a shard worker until one answers: cluster failures retried for
    /// RetryWindow, the shard's own failures MaxShardFailures times; items counts what the
    /// reply computed, per silo.</summary>
    private async Task<TReply> CallAsync<TReply>(string job, int shard, Func<IShardWorker, Task<TReply>> call, Func<TReply, (string Silo, int Items)> items,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        int shardFailures = 0, attempt = 0;
        DateTime lastAnswer = DateTime.UtcNow;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                IShardWorker worker = _client.GetGrain<IShardWorker>($"{job}/{shard}/{Interlocked.Increment(ref _attempt)}");
                using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gatewayLoss.Token);
                TReply reply = await CallOnTheLeastLoadedAsync(() => call(worker)).WaitAsync(abandon.Token).ConfigureAwait(false);
                (string silo, int count) = items(reply);
                _perSilo.AddOrUpdate(silo, count, (_, old) => old + count);
                if (Environment.TickCount64 - Volatile.Read(ref _countedAt) > SiloCountPeriodMs) _ = RefreshSilosSafelyAsync();
                return reply;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (IsClusterFailure(e))
                {
                    if (DateTime.UtcNow - lastAnswer > RetryWindow)
                        throw new ShardClusterException($"shard {shard}: the cluster gave no answer for {RetryWindow.TotalSeconds:F0} s (last: {e.GetType().Name}: {e.Message}).", e);
                }
                else
                {
                    lastAnswer = DateTime.UtcNow;
                    if (++shardFailures >= MaxShardFailures)
                        throw new ShardClusterException($"shard {shard} failed {shardFailures} times on the cluster: {e.GetType().Name}: {e.Message}", e);
                }
                attempt++;
                _ = RefreshSilosSafelyAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 1000)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Makes a call whose new activation Orleans places on the least loaded silo
    /// (a hint it ignores if that silo has gone).</summary>
    private async Task<TReply> CallOnTheLeastLoadedAsync<TReply>(Func<Task<TReply>> call)
    {
        SiloAddress? silo = Reserve();
        try
        {
            if (silo is not null) RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
            Task<TReply> sent = call();
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            return await sent.ConfigureAwait(false);
        }
        finally
        {
            Release(silo);
        }
    }

    /// <summary>Whether e is the cluster's failure (the shard may succeed elsewhere) rather
    /// than the shard's own.</summary>
    private static bool IsClusterFailure(Exception e) =>
        e is TimeoutException or OrleansException or ObjectDisposedException or System.Net.Sockets.SocketException or OperationCanceledException
        || (e is IOException && e is not InvalidDataException);

    private async Task RefreshSilosSafelyAsync()
    {
        try { await RefreshSilosAsync().ConfigureAwait(false); }
        catch (Exception e) when (e is TimeoutException or OrleansException) { } // the next shard's retry asks again
    }

    /// <summary>Disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        finally
        {
            _host.Dispose();
            _gatewayLoss.Dispose();
        }
    }
}

/// <summary>A silo as `otk cluster status` shows it.</summary>
/// <param name="Silo">Its address (SiloAddress.ToParsableString()).</param>
/// <param name="Status">Its membership status (Active, Dead, ...).</param>
/// <param name="Started">When it started (UTC).</param>
/// <param name="CpuUsage">Its machine's CPU use in percent, as Orleans samples it; null if unknown.</param>
/// <param name="MemoryUsage">Its process's memory in bytes; null if unknown.</param>
/// <param name="Report">Its own report of its work; null for an inactive silo or one that did not answer.</param>
public sealed record SiloState(string Silo, string Status, DateTime Started, float? CpuUsage, long? MemoryUsage, SiloReport? Report);

/// <summary>A cluster job that cannot go on: the cluster is unreachable, or a shard failed
/// on every try; the message names the shard and the error.</summary>
public sealed class ShardClusterException : Exception
{
    /// <summary>An error described by message.</summary>
    public ShardClusterException(string message) : base(message) { }

    /// <summary>An error described by message, caused by inner.</summary>
    public ShardClusterException(string message, Exception inner) : base(message, inner) { }

    /// <summary>For serialisation.</summary>
    public ShardClusterException() { }
}
