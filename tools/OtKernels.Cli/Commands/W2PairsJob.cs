// Exact W2^2 of MNIST image pairs as a resumable sharded job, with progress: what `otk w2
// mnist` and `otk dwe pairs` both run.
using OtKernels.Cluster;
using OtKernels.Data;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class W2PairsJob
{
    /// <summary>Pairs per shard: a few seconds of work, so an interrupted job loses little.</summary>
    public const int ShardSize = 2000;

    /// <summary>Runs job over the pairs (first[k], second[k]) of images, exact W2^2 by the
    /// network simplex on threads workers, or on the silos of cluster when one is given, with
    /// progress (ShardedRun); returns how many pairs stopped short of optimality. Both ways compute a shard with ImagePairsW2.Solve on the
    /// same pixels, so they write the same bytes.</summary>
    public static int Run(ShardedJob job, MnistSplit images, int[] first, int[] second, int threads, string name, ShardCluster? cluster = null)
    {
        string jobId = ShardedRun.JobId(name, job);

        async Task<ShardOutput> ComputeShard(int start, int length, CancellationToken cancellationToken)
        {
            byte[] a = images.Pixels(first.AsSpan(start, length)), b = images.Pixels(second.AsSpan(start, length));
            (double[] values, int notOptimal) = cluster is null
                ? ImagePairsW2.Solve(a, b, images.Height, images.Width, threads)
                : await SolveOnCluster(cluster, jobId, start / ShardSize, a, b, images, cancellationToken);
            // A pair stopped at the pivot limit is flagged in the shard's receipt, so a resumed
            // run still reports it.
            return new ShardOutput(values.Select((c, k) => $"{first[start + k]},{second[start + k]},{Csv.Format(c)}").ToArray(), notOptimal);
        }

        return ShardedRun.Run(job, ComputeShard, first.Length, name, cluster);
    }

    private static async Task<(double[], int)> SolveOnCluster(ShardCluster cluster, string jobId, int shard, byte[] a, byte[] b, MnistSplit images, CancellationToken cancellationToken)
    {
        ImagePairsReply reply = await cluster.SolveImagePairsAsync(jobId, ImagePairsWork.Create(shard, images.Height, images.Width, a, b), cancellationToken);
        if (reply.W2Squared.Length != a.Length / (images.Height * images.Width))
            throw new InvalidDataException($"shard {shard}: silo {reply.Silo} returned {reply.W2Squared.Length} values for {a.Length / (images.Height * images.Width)} pairs.");
        return (reply.W2Squared, reply.NotOptimal);
    }
}
