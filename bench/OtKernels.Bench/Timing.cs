// The fastest of a few timed runs: the figure the hand-written benchmarks report (the least
// disturbed run on a shared machine; BenchmarkDotNet does its own statistics).
using System.Diagnostics;

namespace OtKernels.Bench;

internal static class Timing
{
    /// <summary>Seconds of the fastest of runs calls of run, after one untimed call when warm
    /// (code compiled, caches and pools filled).</summary>
    public static double Fastest(Action run, int runs = 5, bool warm = true)
    {
        if (warm) run();
        double best = double.PositiveInfinity;
        for (int r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
