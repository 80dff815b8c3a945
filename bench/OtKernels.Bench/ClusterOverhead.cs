// `cluster-overhead REDIS CLUSTER_ID SHARDS CALLERS`: the cluster's cost per shard, apart
// from the work: SHARDS empty shards (no pairs) sent through a client with CALLERS in flight,
// each a real grain call (version and SHA-256 checks, the silo's one-shard-at-a-time gate, the
// reply). Prints shards/s and the median and 99th percentile of a call's time. docs/SCALE.md
// turns this into the shard size that keeps the overhead under 2%.
using System.Diagnostics;
using OtKernels.Cluster;

namespace OtKernels.Bench;

internal static class ClusterOverhead
{
    public static int Run(string redis, string clusterId, int shards, int callers)
    {
        ShardCluster cluster = ShardCluster.ConnectAsync(new ClusterAddress(redis, clusterId)).GetAwaiter().GetResult();
        try
        {
            ImagePairsWork empty = ImagePairsWork.Create(0, 28, 28, [], []);
            string job = Guid.NewGuid().ToString("N");
            // Warm: connections, activations, JIT.
            Task.WhenAll(Enumerable.Range(0, callers).Select(_ => cluster.SolveImagePairsAsync(job, empty))).GetAwaiter().GetResult();
            var times = new double[shards];
            int next = -1;
            var clock = Stopwatch.StartNew();
            Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
            {
                for (int k; (k = Interlocked.Increment(ref next)) < shards;)
                {
                    long start = Stopwatch.GetTimestamp();
                    await cluster.SolveImagePairsAsync(job, empty with { Shard = k }).ConfigureAwait(false);
                    times[k] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            })).GetAwaiter().GetResult();
            double seconds = clock.Elapsed.TotalSeconds;
            Array.Sort(times);
            Console.WriteLine($"otk cluster, {shards} empty shards, {callers} in flight, {cluster.PerSilo.Count} silo(s): {shards / seconds:F0} shards/s, "
                + $"call median {times[shards / 2]:F2} ms, p99 {times[(int)(shards * 0.99)]:F2} ms");
            return 0;
        }
        finally
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
