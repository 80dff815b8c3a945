// `sinkhorn-clouds X.npy Y.npy EPS ITERATIONS THREADS OUT.npy [RHO]`: batched Sinkhorn between
// point clouds x [batch, n, d] and y [batch, m, d] with uniform weights, exactly ITERATIONS
// iterations (Unrolled mode), timed warm (one untimed pass). Writes the values to OUT.npy
// for comparison with bench/scripts/pot_sinkhorn_clouds.py. With RHO, unbalanced transport
// (MarginalPenalty RHO) with b of mass 1.5 against a's 1.
using System.Diagnostics;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Bench;

internal static class SinkhornClouds
{
    public static int Run(string xPath, string yPath, double epsilon, int iterations, int threads, string outPath,
        double rho = double.PositiveInfinity)
    {
        (double[] x, int[] xs) = Npy.ReadDoubles(xPath);
        (double[] y, int[] ys) = Npy.ReadDoubles(yPath);
        int batch = xs[0], n = xs[1], m = ys[1], d = xs[2];
        var costs = new PointCloudCost[batch];
        for (int k = 0; k < batch; k++) costs[k] = new PointCloudCost(x.AsMemory(k * n * d, n * d), y.AsMemory(k * m * d, m * d), d);
        double massB = double.IsPositiveInfinity(rho) ? 1 : 1.5;
        double[] a = Enumerable.Repeat(1.0 / n, batch * n).ToArray(), b = Enumerable.Repeat(massB / m, batch * m).ToArray();
        var options = new SinkhornOptions
        {
            Epsilon = epsilon, MaxIterations = iterations, Mode = SinkhornMode.Unrolled, MaxDegreeOfParallelism = threads, MarginalPenalty = rho,
        };
        Sinkhorn.SolveBatch(new ReadOnlyMemory<double>(a), b, k => costs[k], options);
        var clock = Stopwatch.StartNew();
        SinkhornResult<double> r = Sinkhorn.SolveBatch(new ReadOnlyMemory<double>(a), b, k => costs[k], options);
        double seconds = clock.Elapsed.TotalSeconds;
        // POT's sinkhorn2 returns <P, C>; compare like with like.
        var transport = new double[batch];
        for (int k = 0; k < batch; k++) transport[k] = r.TransportCost(k);
        Npy.Write(outPath, transport, batch);
        string kind = double.IsPositiveInfinity(rho) ? "Sinkhorn" : $"unbalanced Sinkhorn (rho {rho:G3})";
        Console.WriteLine($"otk {kind} (log domain), {batch} pairs of {n} x {m} points, {iterations} iterations: {seconds:F3} s: {batch / seconds:F0} pairs/s on {threads} thread(s)");
        return 0;
    }
}
