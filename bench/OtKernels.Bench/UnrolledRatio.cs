// `unrolled-ratio [PAIRS]`: the cost of the reverse pass of UnrolledCloudDistance against its
// forward, the goal of issue 17 (forward + unrolled reverse <= 3 x the forward alone), for
// n = m in {3, 8, 16, 64}, d in {2, 16}, L in {10, 50}, on batches of uniform clouds
// (all cores, fastest of five runs, the transport-cost reading, eps 0.1 on points in the unit
// cube). Beside it, the envelope pass (the last plan held fixed, EntropicGradient.Envelope):
// its time, and how far its gradient is from the exact one, |g_env - g_unrolled| / |g_unrolled|
// over the batch, for <P, C> and for OT_eps (where the envelope is exact at convergence); and
// the engine's Sinkhorn solved to convergence (1e-6) with its envelope gradient of OT_eps
// (PositionGradients), the classical alternative to unrolling.
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Bench;

internal static class UnrolledRatio
{
    public static int Run(int pairs)
    {
        Console.WriteLine($"{"n",4} {"d",3} {"L",3} {"pairs",7} {"forward ms",11} {"fwd+rev ms",11} {"ratio",6} {"fwd+env ms",11} {"env diff <P,C>",15} {"env diff OT_eps",16} {"converged+env ms",17} {"its iterations",15}");
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
                    double forward = Timing.Fastest(() => UnrolledCloudDistance.Compute(x, y, n, n, d, options, distances));
                    double both = Timing.Fastest(() => UnrolledCloudDistance.Compute(x, y, n, n, d, options, distances, upstream, gx, gy));
                    var envelope = options with { Gradient = EntropicGradient.Envelope };
                    double withEnvelope = Timing.Fastest(() => UnrolledCloudDistance.Compute(x, y, n, n, d, envelope, distances, upstream, gx, gy));
                    double Difference(EntropicDistanceKind kind)
                    {
                        float[] ux = new float[x.Length], uy = new float[y.Length], ex = new float[x.Length], ey = new float[y.Length];
                        UnrolledCloudDistance.Compute(x, y, n, n, d, options with { Kind = kind }, distances, upstream, ux, uy);
                        UnrolledCloudDistance.Compute(x, y, n, n, d, envelope with { Kind = kind }, distances, upstream, ex, ey);
                        double gap = 0, norm = 0;
                        for (int k = 0; k < x.Length; k++) (gap, norm) = (gap + Math.Pow(ex[k] - ux[k], 2) + Math.Pow(ey[k] - uy[k], 2), norm + ux[k] * ux[k] + uy[k] * uy[k]);
                        return Math.Sqrt(gap / norm);
                    }
                    var (seconds, iterations) = Converged(x, y, count, n, d);
                    Console.WriteLine($"{n,4} {d,3} {steps,3} {count,7} {1e3 * forward,11:F2} {1e3 * both,11:F2} {both / forward,6:F2} {1e3 * withEnvelope,11:F2} "
                                      + $"{Difference(EntropicDistanceKind.TransportCost),15:0.00e+0} {Difference(EntropicDistanceKind.Value),16:0.00e+0} {1e3 * seconds,17:F2} {iterations,15:F1}");
                }
        return 0;
    }

    /// <summary>Seconds of the engine's batched Sinkhorn to convergence and its envelope
    /// gradients for every pair (the costs built beforehand, outside the clock), and the mean
    /// iterations it took.</summary>
    private static (double Seconds, double Iterations) Converged(float[] x, float[] y, int count, int n, int d)
    {
        var costs = Enumerable.Range(0, count).Select(p => new PointCloudCost(
            x.AsSpan(p * n * d, n * d).ToArray().Select(v => (double)v).ToArray(), y.AsSpan(p * n * d, n * d).ToArray().Select(v => (double)v).ToArray(), d)).ToArray();
        double[] weights = Enumerable.Repeat(1.0 / n, count * n).ToArray();
        var options = new SinkhornOptions { Epsilon = 0.1, Tolerance = 1e-6, MaxIterations = 100_000 };
        double iterations = 0;
        double seconds = Timing.Fastest(() =>
        {
            SinkhornResult<double> result = Sinkhorn.SolveBatch(weights, weights, p => costs[p], options);
            iterations = result.Iterations.Average();
            Parallel.For(0, count, () => (new double[n * d], new double[n * d]), (p, _, g) =>
            {
                SinkhornBackward.PositionGradients(result, p, costs[p], g.Item1, g.Item2);
                return g;
            }, _ => { });
        });
        return (seconds, iterations);
    }
}
