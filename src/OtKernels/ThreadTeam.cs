// A team of threads for an iterative solver whose steps last milliseconds or less. A
// Parallel.For per step wakes pool threads every step and hands each worker's scratch to
// whichever core takes it: on the 1,000-digit grid barycenter (3.5 ms steps on 2 cores) the
// workers idled 8-10% of each step that way, and the step's serial remainder (the chunk sums,
// the spread) took 7% more. The team's threads live for the whole solve, each keeps its own
// scratch (the log-domain barycenter's workers keep their stored Gibbs kernels, a ref struct
// that a per-step call had to remake every step), and they meet at a barrier between the
// parts of a step. The caller's thread is worker 0.
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace OtKernels;

internal sealed class ThreadTeam
{
    private readonly int _workers;
    private int _arrived;
    private volatile int _generation;
    private volatile bool _failed;

    private ThreadTeam(int workers) => _workers = workers;

    /// <summary>How many workers a solve of parts independent pieces per step takes: as many as
    /// asked (maxDegreeOfParallelism > 0), at most parts; by default every core, at most parts,
    /// but one (the caller's thread alone) when the step's work is under smallWork, where a
    /// second worker's start and the barriers cost more than it saves. Work and smallWork are
    /// in the caller's own unit, smallWork measured for it.</summary>
    public static int Workers(long work, long smallWork, int parts, int maxDegreeOfParallelism) =>
        maxDegreeOfParallelism > 0 ? Math.Min(maxDegreeOfParallelism, parts)
            : work < smallWork ? 1 : Math.Min(Environment.ProcessorCount, parts);

    /// <summary>Runs body(worker, team) for worker in 0..workers-1 on as many threads at once;
    /// the first exception a worker throws is rethrown here, after every worker has stopped.</summary>
    public static void Run(int workers, Action<int, ThreadTeam> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var team = new ThreadTeam(workers);
        var errors = new Exception?[workers];
        var threads = new Thread[workers - 1];
        for (int w = 1; w < workers; w++)
        {
            int worker = w;
            threads[w - 1] = new Thread(() => team.Work(worker, body, errors)) { IsBackground = true, Name = $"OtKernels team {worker}" };
            threads[w - 1].Start();
        }
        team.Work(0, body, errors);
        foreach (Thread thread in threads) thread.Join();
        foreach (Exception? error in errors)
            if (error is not null and not ThreadTeamFailedException) ExceptionDispatchInfo.Throw(error);
    }

    private void Work(int worker, Action<int, ThreadTeam> body, Exception?[] errors)
    {
        try { body(worker, this); }
        catch (Exception e)
        {
            errors[worker] = e;
            _failed = true;  // releases the others from the barrier
        }
    }

    /// <summary>Waits until every worker has called Sync as often as this one; writes before it
    /// are visible to every worker after it. Spins and yields, never sleeps: the waits are the
    /// imbalance of one step, microseconds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Sync()
    {
        int generation = _generation;
        if (Interlocked.Increment(ref _arrived) == _workers)
        {
            _arrived = 0;
            _generation = generation + 1;  // a volatile write: the reset above is seen first
            return;
        }
        var spin = new SpinWait();
        while (_generation == generation)
        {
            if (_failed) throw new ThreadTeamFailedException();
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>[start, end) of 0..length for worker, split at multiples of 4 so that every
    /// element takes the same path (a vector's lane or the scalar tail) whatever the worker
    /// count, and the results do not depend on it.</summary>
    public (int Start, int End) Share(int worker, int length)
    {
        int quads = length / 4;
        int start = (int)((long)quads * worker / _workers) * 4;
        int end = worker == _workers - 1 ? length : (int)((long)quads * (worker + 1) / _workers) * 4;
        return (start, end);
    }

    /// <summary>Thrown in the workers still waiting when another one failed.</summary>
    private sealed class ThreadTeamFailedException : Exception;
}
