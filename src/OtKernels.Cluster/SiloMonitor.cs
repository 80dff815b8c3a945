// A grain per silo that reports the silo's activity (`otk cluster status`). It is keyed by
// the silo's address and placed on that silo by Orleans' placement hint; the report names the
// silo that answered, so a report placed elsewhere is recognised and not shown as another's.
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace OtKernels.Cluster;

/// <summary>Reports what the silo it lives on is doing. Keyed by SiloAddress.ToParsableString().</summary>
public interface ISiloMonitor : IGrainWithStringKey
{
    /// <summary>The silo's activity now.</summary>
    Task<SiloReport> Report();
}

/// <summary>A silo's activity.</summary>
/// <param name="Silo">The silo that answered (SiloAddress.ToParsableString()).</param>
/// <param name="EngineVersion">Its engine version.</param>
/// <param name="Threads">Threads per shard.</param>
/// <param name="ComputingJob">The job of the shard it computes now, or null.</param>
/// <param name="ComputingShard">That shard, or -1.</param>
/// <param name="ComputingSeconds">For how long.</param>
/// <param name="Waiting">Shards waiting behind it.</param>
/// <param name="Jobs">What it computed per job, most recent first.</param>
[GenerateSerializer, Immutable]
public sealed record SiloReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] string EngineVersion,
    [property: Id(2)] int Threads,
    [property: Id(3)] string? ComputingJob,
    [property: Id(4)] int ComputingShard,
    [property: Id(5)] double ComputingSeconds,
    [property: Id(6)] int Waiting,
    [property: Id(7)] JobActivity[] Jobs);

internal sealed class SiloMonitor(SiloActivity activity, IOptions<WorkerOptions> options, ILocalSiloDetails silo) : Grain, ISiloMonitor
{
    public Task<SiloReport> Report()
    {
        (string? job, int shard, double seconds, int waiting, JobActivity[] jobs) = activity.Snapshot();
        return Task.FromResult(new SiloReport(silo.SiloAddress.ToParsableString(), EngineVersion.Current, options.Value.Threads, job, shard, seconds, waiting, jobs));
    }
}
