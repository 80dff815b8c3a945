// The shard worker on a silo. The computation is CPU-bound, so it runs on the thread pool
// (not on the grain's scheduler, which also serves Orleans' own messages), and one shard at
// a time per silo: each shard uses the silo's --threads, and a silo that took several at
// once would only slow each of them while others wait on idle silos.
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;
using OtKernels.Data;

namespace OtKernels.Cluster;

/// <summary>The silo's side of <see cref="IShardWorker"/>.</summary>
[RandomPlacement]
internal sealed class ShardWorker(IOptions<WorkerOptions> options, ILocalSiloDetails silo) : Grain, IShardWorker
{
    private static readonly SemaphoreSlim s_oneShardAtATime = new(1, 1);

    public Task<ImagePairsReply> SolveImagePairs(ImagePairsWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        CheckVersion(work.EngineVersion);
        if (ImagePairsWork.Hash(work.First, work.Second) != work.PixelsSha256)
            throw new InvalidDataException($"shard {work.Shard}: its pixels arrived with another SHA-256 than the client sent.");
        return OneAtATime(() =>
        {
            (double[] values, int notOptimal) = ImagePairsW2.Solve(work.First, work.Second, work.Height, work.Width, options.Value.Threads);
            return new ImagePairsReply(values, notOptimal, silo.SiloAddress.ToString());
        });
    }

    public Task<DistancesReply> SolveDistances(DistancesWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        CheckVersion(work.EngineVersion);
        if (DistancesWork.Hash(work.Rows, work.Columns) != work.ItemsSha256)
            throw new InvalidDataException($"shard {work.Shard}: its items arrived with another SHA-256 than the client sent.");
        return OneAtATime(() =>
        {
            (double[] values, int notProven) = work.Distance.Tile(work.Rows, work.RowStart, work.Columns, work.ColumnStart, options.Value.Threads);
            return new DistancesReply(values, notProven, silo.SiloAddress.ToString());
        });
    }

    private void CheckVersion(string version)
    {
        if (version != EngineVersion.Current)
            throw new EngineVersionMismatchException($"silo {silo.SiloAddress} runs engine {EngineVersion.Current}, the job needs {version}; run silos and client from the same build.");
    }

    /// <summary>Runs compute on the thread pool once no other shard computes on this silo.</summary>
    private static async Task<T> OneAtATime<T>(Func<T> compute)
    {
        await s_oneShardAtATime.WaitAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        try
        {
            return await Task.Run(compute).ConfigureAwait(true);
        }
        finally
        {
            s_oneShardAtATime.Release();
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
