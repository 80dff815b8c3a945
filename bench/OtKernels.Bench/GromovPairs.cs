// `gw-pairs X.npy Y.npy EPS THREADS OUT.npy [ACCELERATOR]`: entropic Gromov–Wasserstein
// (square loss) between the point clouds x [batch, n, d1] and y [batch, m, d2] of each pair,
// uniform masses, structure matrices the clouds' Euclidean distances, POT's start and
// tolerance (p q^T, 1e-9) and an inner tolerance of 1e-9 like POT's sinkhorn; the batch on
// THREADS threads (or on the accelerator named: cpu, cuda, ...; a device runs in float and
// stops at float's floor), timed warm (one untimed pass). Writes the values to OUT.npy for
// bench/scripts/pot_gromov_pairs.py and torch_gromov_pairs.py.
using System.Diagnostics;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Bench;

internal static class GromovPairs
{
    public static int Run(string xPath, string yPath, double epsilon, int threads, string outPath, string accelerator = "cpu")
    {
        using Accelerator where = Accelerator.Create(Accelerator.ParseKind(accelerator));
        (double[] x, int[] xs) = Npy.ReadDoubles(xPath);
        (double[] y, int[] ys) = Npy.ReadDoubles(yPath);
        int batch = xs[0], n = xs[1], m = ys[1];
        var problems = new GromovWassersteinProblem[batch];
        for (int k = 0; k < batch; k++)
        {
            problems[k] = new GromovWassersteinProblem(Enumerable.Repeat(1.0 / n, n).ToArray(), Enumerable.Repeat(1.0 / m, m).ToArray(),
                Distances(x.AsMemory(k * n * xs[2], n * xs[2]), xs[2]), Distances(y.AsMemory(k * m * ys[2], m * ys[2]), ys[2]));
        }
        var options = new GromovWassersteinOptions { Epsilon = epsilon, InnerTolerance = 1e-9, MaxDegreeOfParallelism = threads };
        GromovWasserstein.SolveBatch(where, problems, options);
        var clock = Stopwatch.StartNew();
        GromovWassersteinResult[] results = GromovWasserstein.SolveBatch(where, problems, options);
        double seconds = clock.Elapsed.TotalSeconds;
        Npy.Write(outPath, results.Select(r => r.Value).ToArray(), batch);
        double iterations = results.Average(r => r.Iterations);
        Console.WriteLine($"otk entropic GW, {batch} pairs of {n} x {m} points, {iterations:F1} outer iterations on average: {seconds:F3} s: {batch / seconds:F1} pairs/s on {(where is CpuAccelerator ? $"{threads} thread(s)" : where.Name)}");
        return 0;
    }

    private static double[] Distances(ReadOnlyMemory<double> points, int d) => new PointCloudCost(points, points, d, GroundMetric.Euclidean).ToArray();
}
