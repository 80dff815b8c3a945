// `sliced-pairs X.npy Y.npy THETA.npy THREADS OUT.npy`: SW_2 between the point clouds x
// [batch, n, d] and y [batch, m, d] of each pair, uniform masses, over the directions THETA
// [L, d] (SlicedWasserstein.DistanceBatch on THREADS threads), timed warm (one untimed pass).
// Writes the values to OUT.npy for bench/scripts/pot_sliced_pairs.py.
using System.Diagnostics;
using OtKernels.Exact;
using OtKernels.IO;

namespace OtKernels.Bench;

internal static class SlicedPairs
{
    public static int Run(string xPath, string yPath, string thetaPath, int threads, string outPath)
    {
        (double[] x, int[] xs) = Npy.ReadDoubles(xPath);
        (double[] y, int[] ys) = Npy.ReadDoubles(yPath);
        (double[] theta, int[] shape) = Npy.ReadDoubles(thetaPath);
        int batch = xs[0], n = xs[1], m = ys[1], d = xs[2];
        double[] a = Enumerable.Repeat(1.0 / n, batch * n).ToArray(), b = Enumerable.Repeat(1.0 / m, batch * m).ToArray();
        double[] Solve() => SlicedWasserstein.DistanceBatch(batch, a, b, x, y, d, theta, p: 2, maxDegreeOfParallelism: threads);
        Solve();
        var clock = Stopwatch.StartNew();
        double[] values = Solve();
        double seconds = clock.Elapsed.TotalSeconds;
        Npy.Write(outPath, values, batch);
        Console.WriteLine($"otk SlicedWasserstein.DistanceBatch, {batch} pairs of {n} x {m} points in R^{d}, {shape[0]} directions: {seconds:F3} s: {batch / seconds:F0} pairs/s on {threads} thread(s)");
        return 0;
    }
}
