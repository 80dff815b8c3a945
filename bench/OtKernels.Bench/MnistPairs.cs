// `mnist-w2 IMAGES PAIRS THREADS`: exact W2^2 on MNIST pairs, timed warm, the counterpart of
// bench/scripts/pot_emd_mnist.py. Both sides solve every pair once untimed (JIT, allocator
// and caches warm), then time a second pass; this prints pairs/s and writes nothing.
using System.Diagnostics;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Bench;

internal static class MnistPairs
{
    public static int Run(string imagesPath, string pairsPath, int threads)
    {
        (double[] a, double[] b, int rows, int height, int width) = MnistInputs.Load(imagesPath, pairsPath);
        var cost = new ImageGridCost(height, width);
        var options = new EmdOptions { MaxDegreeOfParallelism = threads };
        NetworkSimplex.SolveBatch(a, b, cost, options);
        var clock = Stopwatch.StartNew();
        EmdBatchResult results = NetworkSimplex.SolveBatch(a, b, cost, options);
        double seconds = clock.Elapsed.TotalSeconds;
        if (threads == 1) PrintLevels(a, b, rows, cost);
        if (results.Status.Any(s => s != EmdStatus.Optimal)) throw new InvalidOperationException("A pair was not solved to optimality.");
        double pivots = results.Iterations.Average();
        Console.WriteLine($"otk NetworkSimplex, full 784-bin input: {rows} pairs in {seconds:F3} s: {rows / seconds:F1} pairs/s on {threads} thread(s), {pivots:F0} pivots/pair");
        return 0;
    }

    /// <summary>Per multiscale level, averaged over the pairs: size, arcs, checks, pivots,
    /// time. A third pass, traced (the trace's clock reads add a little time).</summary>
    private static void PrintLevels(double[] a, double[] b, int pairs, ImageGridCost cost)
    {
        var trace = new EmdTrace();
        int pixels = cost.Rows;
        using (EmdTrace.Start(trace))
            for (int k = 0; k < pairs; k++) NetworkSimplex.Solve(a.AsSpan(k * pixels, pixels), b.AsSpan(k * pixels, pixels), cost);
        LevelTrace.Print(trace, pairs);
    }
}
