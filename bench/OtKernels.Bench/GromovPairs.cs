// `gw-pairs X.npy Y.npy EPS THREADS OUT.npy`: entropic Gromov–Wasserstein (square loss)
// between the point clouds x [batch, n, d1] and y [batch, m, d2] of each pair, uniform masses,
// structure matrices the clouds' Euclidean distances, POT's start and tolerance (p q^T, 1e-9)
// and an inner tolerance of 1e-9 like POT's sinkhorn; the batch on THREADS threads, timed
// warm (one untimed pass). Writes the values to OUT.npy for bench/scripts/pot_gromov_pairs.py.
using System.Diagnostics;
using OtKernels.Entropic;
using OtKernels.IO;

namespace OtKernels.Bench;

internal static class GromovPairs
{
    public static int Run(string xPath, string yPath, double epsilon, int threads, string outPath)
    {
        (double[] x, int[] xs) = Npy.ReadDoubles(xPath);
        (double[] y, int[] ys) = Npy.ReadDoubles(yPath);
        int batch = xs[0], n = xs[1], m = ys[1];
        var problems = new GromovWassersteinProblem[batch];
        for (int k = 0; k < batch; k++)
        {
            problems[k] = new GromovWassersteinProblem(Enumerable.Repeat(1.0 / n, n).ToArray(), Enumerable.Repeat(1.0 / m, m).ToArray(),
                Distances(x.AsSpan(k * n * xs[2], n * xs[2]), n, xs[2]), Distances(y.AsSpan(k * m * ys[2], m * ys[2]), m, ys[2]));
        }
        var options = new GromovWassersteinOptions { Epsilon = epsilon, InnerTolerance = 1e-9, MaxDegreeOfParallelism = threads };
        GromovWasserstein.SolveBatch(problems, options);
        var clock = Stopwatch.StartNew();
        GromovWassersteinResult[] results = GromovWasserstein.SolveBatch(problems, options);
        double seconds = clock.Elapsed.TotalSeconds;
        Npy.Write(outPath, results.Select(r => r.Value).ToArray(), batch);
        double iterations = results.Average(r => r.Iterations);
        Console.WriteLine($"otk entropic GW, {batch} pairs of {n} x {m} points, {iterations:F1} outer iterations on average: {seconds:F3} s: {batch / seconds:F1} pairs/s on {threads} thread(s)");
        return 0;
    }

    private static double[] Distances(ReadOnlySpan<double> points, int n, int d)
    {
        var c = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
            {
                double sum = 0;
                for (int t = 0; t < d; t++) sum += (points[i * d + t] - points[k * d + t]) * (points[i * d + t] - points[k * d + t]);
                c[i * n + k] = Math.Sqrt(sum);
            }
        return c;
    }
}
