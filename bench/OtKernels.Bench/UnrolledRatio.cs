// `unrolled-ratio [PAIRS]`: the cost of the reverse pass of UnrolledCloudDistance against its
// forward, the goal of issue 17 (forward + unrolled reverse <= 3 x the forward alone), for
// n = m in {3, 8, 16, 64}, d in {2, 16}, L in {10, 50}, on batches of uniform clouds
// (all cores, fastest of five runs, the transport-cost reading).
using System.Diagnostics;
using OtKernels.Autodiff.Entropic;

namespace OtKernels.Bench;

internal static class UnrolledRatio
{
    public static int Run(int pairs)
    {
        Console.WriteLine($"{"n",4} {"d",3} {"L",3} {"pairs",7} {"forward ms",11} {"fwd+rev ms",11} {"ratio",6}");
        foreach (int n in (int[])[3, 8, 16, 64])
            foreach (int d in (int[])[2, 16])
                foreach (int steps in (int[])[10, 50])
                {
                    int count = Math.Max(16, pairs * 9 / (n * n)); // about the same work per row
                    var rng = new Random(1);
                    float[] x = Enumerable.Range(0, count * n * d).Select(_ => (float)rng.NextDouble()).ToArray();
                    float[] y = Enumerable.Range(0, count * n * d).Select(_ => (float)rng.NextDouble()).ToArray();
                    var options = new EntropicDistanceOptions { Epsilon = 0.1, Iterations = steps };
                    var distances = new double[count];
                    double[] upstream = Enumerable.Repeat(1.0, count).ToArray();
                    float[] gx = new float[x.Length], gy = new float[y.Length];
                    double forward = Fastest(() => UnrolledCloudDistance.Compute(x, y, n, n, d, options, distances));
                    double both = Fastest(() => UnrolledCloudDistance.Compute(x, y, n, n, d, options, distances, upstream, gx, gy));
                    Console.WriteLine($"{n,4} {d,3} {steps,3} {count,7} {1e3 * forward,11:F2} {1e3 * both,11:F2} {both / forward,6:F2}");
                }
        return 0;
    }

    private static double Fastest(Action run)
    {
        run();
        double best = double.PositiveInfinity;
        for (int r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
