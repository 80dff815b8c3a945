// The exact solver's trace per multiscale level, averaged over a benchmark's pairs: bins,
// arcs at the end, checks of every arc, pivots and time. Coarsest level first.
using OtKernels.Exact;

namespace OtKernels.Bench;

internal static class LevelTrace
{
    public static void Print(EmdTrace trace, int pairs)
    {
        foreach (var level in trace.Levels.GroupBy(l => l.Depth).OrderByDescending(g => g.Key))
            Console.WriteLine($"  depth {level.Key}: {level.Average(l => l.Rows):F0} x {level.Average(l => l.Cols):F0} bins, {level.Average(l => l.Arcs):F0} arcs, " +
                $"{level.Average(l => l.Rounds):F2} checks, {level.Average(l => l.Pivots):F0} pivots, {level.Sum(l => l.Seconds) * 1e3 / pairs:F3} ms per pair");
    }
}
