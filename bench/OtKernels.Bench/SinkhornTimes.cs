// `sinkhorn-times`: the Sinkhorn timings of docs/PERFORMANCE.md's workspace entry (issue 17),
// best of five after one untimed run: 4,096 problems of 16 x 16 points in R^2 (Unrolled,
// L = 50, eps 0.05) and their divergence converged to 1e-6; one 200 x 200 dense problem at
// eps 0.01 and one 28 x 28 grid problem at eps 1, both to 1e-9. Double, all cores.
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Bench;

internal static class SinkhornTimes
{
    public static int Run()
    {
        var rng = new Random(1);
        const int batch = 4096, n = 16;
        double[][] xs = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, 2 * n).Select(_ => rng.NextDouble()).ToArray()).ToArray();
        double[][] ys = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, 2 * n).Select(_ => rng.NextDouble() + 0.5).ToArray()).ToArray();
        GroundCost[] clouds = Enumerable.Range(0, batch).Select(k => (GroundCost)new PointCloudCost(xs[k], ys[k], 2)).ToArray();
        double[] w = Enumerable.Repeat(1.0 / n, batch * n).ToArray();
        var unrolled = new SinkhornOptions { Epsilon = 0.05, MaxIterations = 50, Tolerance = 0, Mode = SinkhornMode.Unrolled };
        Report("4,096 clouds of 16 points, Unrolled, L = 50", () => Sinkhorn.SolveBatch(w, w, k => clouds[k], unrolled));
        Report("their divergence, converged to 1e-6", () => SinkhornDivergence.SolveBatch(w, w, k => clouds[k], new SinkhornOptions { Epsilon = 0.05, Tolerance = 1e-6 }));
        const int size = 200;
        double[] points = Enumerable.Range(0, 2 * size).Select(_ => rng.NextDouble()).ToArray();
        var pc = new PointCloudCost(points, points.Select(v => v + 0.3).ToArray(), 2);
        var dense = new DenseCost(Enumerable.Range(0, size * size).Select(k => pc[k / size, k % size]).ToArray(), size, size);
        double[] u = Enumerable.Repeat(1.0 / size, size).ToArray();
        Report("one 200 x 200 dense problem, eps 0.01, to 1e-9", () => Sinkhorn.Solve(u, u, dense, new SinkhornOptions { Epsilon = 0.01, Tolerance = 1e-9 }));
        double[] Histogram() { double[] h = Enumerable.Range(0, 784).Select(_ => rng.NextDouble()).ToArray(); double s = h.Sum(); return h.Select(v => v / s).ToArray(); }
        double[] ga = Histogram(), gb = Histogram();
        Report("one 28 x 28 grid problem, eps 1, to 1e-9", () => Sinkhorn.Solve(ga, gb, new ImageGridCost(28, 28), new SinkhornOptions { Epsilon = 1, Tolerance = 1e-9 }));
        return 0;
    }

    private static void Report(string name, Action run) => Console.WriteLine($"{name}: {1e3 * Timing.Fastest(run):F1} ms");
}
