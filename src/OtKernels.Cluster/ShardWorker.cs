// The shard worker on a silo: checks a shard's engine version and input hash, then computes
// it through the silo's SiloActivity (one shard at a time, on the thread pool).
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;
using OtKernels.Data;

namespace OtKernels.Cluster;

/// <summary>The silo's side of <see cref="IShardWorker"/>.</summary>
[RandomPlacement]
internal sealed class ShardWorker(IOptions<WorkerOptions> options, ILocalSiloDetails silo, SiloActivity activity) : Grain, IShardWorker
{
    public Task<ImagePairsReply> SolveImagePairs(ImagePairsWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        CheckVersion(work.EngineVersion);
        if (ImagePairsWork.Hash(work.First, work.Second) != work.PixelsSha256)
            throw new InvalidDataException($"shard {work.Shard}: its pixels arrived with another SHA-256 than the client sent.");
        return activity.RunAsync(Job, work.Shard, () =>
        {
            (double[] values, int notOptimal) = ImagePairsW2.Solve(work.First, work.Second, work.Height, work.Width, options.Value.Threads);
            return (new ImagePairsReply(values, notOptimal, silo.SiloAddress.ToParsableString()), values.Length);
        });
    }

    public Task<DistancesReply> SolveDistances(DistancesWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        CheckVersion(work.EngineVersion);
        if (DistancesWork.Hash(work.Rows, work.Columns) != work.ItemsSha256)
            throw new InvalidDataException($"shard {work.Shard}: its items arrived with another SHA-256 than the client sent.");
        return activity.RunAsync(Job, work.Shard, () =>
        {
            (double[] values, int notProven) = work.Distance.Tile(work.Rows, work.RowStart, work.Columns, work.ColumnStart, options.Value.Threads);
            return (new DistancesReply(values, notProven, silo.SiloAddress.ToParsableString()), values.Length);
        });
    }

    private void CheckVersion(string version)
    {
        if (version != EngineVersion.Current)
            throw new EngineVersionMismatchException($"silo {silo.SiloAddress} runs engine {EngineVersion.Current}, the job needs {version}; run silos and client from the same build.");
    }

    /// <summary>The job of this activation's key, job/shard/attempt.</summary>
    private string Job
    {
        get
        {
            string key = this.GetPrimaryKeyString();
            int attempt = key.LastIndexOf('/');
            int shard = attempt > 0 ? key.LastIndexOf('/', attempt - 1) : -1;
            return shard > 0 ? key[..shard] : key;
        }
    }
}

/// <summary>How a silo computes: threads per shard.</summary>
public sealed class WorkerOptions
{
    /// <summary>Threads each shard uses (default: all cores).</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;
}

/// <summary>A silo built from another engine version than the job's.</summary>
[GenerateSerializer]
public sealed class EngineVersionMismatchException : Exception
{
    /// <summary>A mismatch described by message.</summary>
    public EngineVersionMismatchException(string message) : base(message) { }

    /// <summary>For serialisation.</summary>
    public EngineVersionMismatchException() { }

    /// <summary>For serialisation.</summary>
    public EngineVersionMismatchException(string message, Exception inner) : base(message, inner) { }
}
