// Exact W2^2 of MNIST image pairs as a resumable sharded job, with progress: what `otk w2
// mnist` and `otk dwe pairs` both run.
using System.Diagnostics;
using OtKernels.Data;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.IO;
using Spectre.Console;

namespace OtKernels.Cli.Commands;

internal static class W2PairsJob
{
    /// <summary>Pairs per shard: a few seconds of work, so an interrupted job loses little.</summary>
    public const int ShardSize = 2000;

    /// <summary>Runs job over the pairs (first[k], second[k]) of images, exact W2^2 by the
    /// network simplex on threads workers, with a progress bar on a terminal and a line per
    /// shard otherwise; returns how many pairs stopped short of optimality.</summary>
    public static int Run(ShardedJob job, MnistSplit images, int[] first, int[] second, int threads, string name)
    {
        var cost = new ImageGridCost(images.Height, images.Width);
        var options = new EmdOptions { MaxDegreeOfParallelism = threads };

        ShardOutput ComputeShard(int start, int length)
        {
            double[] a = images.Histograms(first.AsSpan(start, length)), b = images.Histograms(second.AsSpan(start, length));
            EmdBatchResult results = NetworkSimplex.SolveBatch(a, b, cost, options);
            // A pair stopped at the pivot limit is flagged in the shard's receipt, so a resumed
            // run still reports it.
            return new ShardOutput(results.Cost.Select((c, k) => $"{first[start + k]},{second[start + k]},{Csv.Format(c)}").ToArray(),
                results.Status.Count(s => s != EmdStatus.Optimal));
        }

        void Log(string line) => Console.Error.WriteLine($"{name}: {line}");
        var clock = Stopwatch.StartNew();
        int notOptimal = 0;
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            AnsiConsole.Progress().Start(context =>
            {
                ProgressTask task = context.AddTask("W2^2 pairs", maxValue: first.Length);
                notOptimal = job.Run(ComputeShard, done => task.Value = done, Log);
            });
        }
        else
        {
            notOptimal = job.Run(ComputeShard, done =>
            {
                double rate = (done - job.ResumedItems) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                string left = rate > 0 && done > job.ResumedItems ? $", {rate:F0} pairs/s, {(first.Length - done) / rate:F0} s left" : "";
                Console.Error.WriteLine($"{name}: {done}/{first.Length} pairs{left}");
            }, Log);
        }
        return notOptimal;
    }
}
