// Where an exact solve spends its work, level by level (depth 0 is the problem itself, depth
// k its k-th coarsening; coarser levels are recorded first): the benchmark's view of the
// multiscale path. Off unless a caller starts one on its thread.
using System.Diagnostics;

namespace OtKernels.Exact;

internal sealed class EmdTrace
{
    [ThreadStatic] private static EmdTrace? t_current;

    /// <summary>One level of one solve: its compact size, the arcs it ended with (n m on the
    /// complete graph), the checks of every arc, its pivots and its own time.</summary>
    public readonly record struct Level(int Depth, int Rows, int Cols, long Arcs, int Rounds, int Pivots, double Seconds);

    public List<Level> Levels { get; } = [];

    /// <summary>Records the solves of this thread until the returned scope is disposed.</summary>
    public static IDisposable Start(EmdTrace trace)
    {
        t_current = trace;
        return new Scope();
    }

    internal static long Now() => t_current is null ? 0 : Stopwatch.GetTimestamp();

    internal static void Record(int depth, int rows, int cols, long arcs, int rounds, int pivots, long started)
    {
        if (t_current is null) return;
        t_current.Levels.Add(new Level(depth, rows, cols, arcs, rounds, pivots, Stopwatch.GetElapsedTime(started).TotalSeconds));
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => t_current = null;
    }
}
