// The one grain of the cluster: a worker that computes a shard of a job and returns its
// values. Shards are independent and their computation is a pure function of the request,
// so a call may run twice (at-least-once delivery after a silo dies) without harm: the
// client keeps one result per shard index.
namespace OtKernels.Cluster;

/// <summary>Computes shards on a silo. Keyed by job, shard and attempt, so that a retried
/// shard is placed afresh rather than sent to the activation of a silo that died.</summary>
public interface IShardWorker : IGrainWithStringKey
{
    /// <summary>Exact W2^2 of the image pairs in work.</summary>
    Task<ImagePairsReply> SolveImagePairs(ImagePairsWork work);

    /// <summary>The distances of a tile of an all-pairs job.</summary>
    Task<DistancesReply> SolveDistances(DistancesWork work);
}
