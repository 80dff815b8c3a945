// `barycenter-dense A.npy M.npy EPS THREADS OUT.npy`: the entropic barycenter of the
// histograms A [count, bins] (uniform weights) on the cost M [bins, bins] by
// Barycenter.Bregman in the log domain, POT's stopping rule (stopThr 1e-4 on the spread,
// checked every 10 iterations, at most 1,000), timed warm (one untimed solve). Writes the
// barycenter to OUT.npy for bench/scripts/pot_barycenter_dense.py.
using System.Diagnostics;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Bench;

internal static class BarycenterDense
{
    public static int Run(string histogramsPath, string costPath, double epsilon, int threads, string outPath)
    {
        (double[] histograms, int[] shape) = Npy.ReadDoubles(histogramsPath);
        (double[] cost, _) = Npy.ReadDoubles(costPath);
        int count = shape[0], bins = shape[1];
        var dense = new DenseCost(cost, bins, bins);
        var options = new BarycenterOptions
        {
            Epsilon = epsilon, Tolerance = 1e-4, MaxIterations = 1000, MaxDegreeOfParallelism = threads, Domain = BarycenterDomain.Log,
        };
        Barycenter.Bregman(histograms, [], dense, options);
        var clock = Stopwatch.StartNew();
        BarycenterResult result = Barycenter.Bregman(histograms, [], dense, options);
        double seconds = clock.Elapsed.TotalSeconds;
        Npy.Write(outPath, result.Barycenter, bins);
        Console.WriteLine($"otk Barycenter.Bregman (log domain), {count} histograms of {bins} bins, eps {epsilon:G3}: {seconds:F4} s, "
                          + $"{result.Iterations} iterations ({seconds / result.Iterations * 1e6:F1} us each), MaxDegreeOfParallelism {threads}, {result.Status}");
        return 0;
    }
}
