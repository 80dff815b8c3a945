// The one way a batch reports bad input: problems run in parallel, and the first bad one
// (lowest index among those met; work stops at the first) is thrown as a plain
// ArgumentException, "Problem k of the batch: ...", with the argument's name kept, never
// wrapped in the AggregateException that Parallel.For raises. Any other failure is rethrown
// as itself. Used by every SolveBatch (network simplex, Sinkhorn, divergence).
using System.Runtime.ExceptionServices;

namespace OtKernels;

internal static class BatchErrors
{
    /// <summary>Runs solve(k) for k in 0..batch-1 on up to maxDegreeOfParallelism threads
    /// (one problem, or one thread, on the caller's: a pool thread's wake-up costs more than
    /// a small solve).</summary>
    public static void For(int batch, int maxDegreeOfParallelism, Action<int> solve) =>
        For<object?>(batch, maxDegreeOfParallelism, () => null, (k, _) => solve(k));

    /// <summary>As <see cref="For(int, int, Action{int})"/>, with a local made once per worker
    /// thread by <paramref name="local"/> and passed to every problem that worker solves
    /// (a solver's workspace: owned by the worker, never shared).</summary>
    public static void For<TLocal>(int batch, int maxDegreeOfParallelism, Func<TLocal> local, Action<int, TLocal> solve)
    {
        if (batch == 1 || maxDegreeOfParallelism == 1)
        {
            TLocal mine = local();
            for (int k = 0; k < batch; k++) Run(k, batch, k => solve(k, mine));
            return;
        }
        var errors = new Exception?[batch];
        Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, local, (k, state, mine) =>
        {
            try { solve(k, mine); }
            catch (Exception e)
            {
                errors[k] = e;
                state.Stop();
            }
            return mine;
        }, _ => { });
        for (int k = 0; k < batch; k++)
            if (errors[k] is { } error) throw Named(error, k, batch);
    }

    private static void Run(int k, int batch, Action<int> solve)
    {
        try { solve(k); }
        catch (Exception e) { throw Named(e, k, batch); }
    }

    private static Exception Named(Exception error, int k, int batch)
    {
        if (error is not ArgumentException argument || batch == 1 || argument.Message.StartsWith("Problem ", StringComparison.Ordinal))
        {
            ExceptionDispatchInfo.Capture(error).Throw();
            return error; // not reached
        }
        string message = argument.ParamName is null ? argument.Message : argument.Message.Replace($" (Parameter '{argument.ParamName}')", "");
        return argument is ArgumentNullException
            ? new ArgumentNullException(argument.ParamName, $"Problem {k} of the batch: {message}")
            : new ArgumentException($"Problem {k} of the batch: {message}", argument.ParamName, argument);
    }
}
