// `peak [THREADS]`: what this machine's cores can do at most, the denominators of the
// CPU-roofline fractions in docs/PERFORMANCE.md (issue 23). Fused multiply-adds: independent
// accumulator chains of the widest hardware vector (enough of them to cover the FMA units'
// latency times their count), in double and float. Exponentials and logarithms:
// TensorPrimitives.Exp and .Log (the vectorised functions the solvers call) over an
// L1-resident array into another; divisions likewise (the barycenters' x = b / y). Each
// rate is the best of five timed runs of ~0.2 s, on one thread and on THREADS threads
// (default: every core) at once.
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OtKernels.LinearAlgebra;

namespace OtKernels.Bench;

internal static class MachinePeaks
{
    /// <summary>Independent FMA chains per thread: 2 FMA units x 4-5 cycles of latency, with margin.</summary>
    private const int Chains = 12;

    public static int Run(int threads)
    {
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        Console.WriteLine($"peak: {Environment.ProcessorCount} logical cores, widest hardware vector {widest} bits, {threads} thread(s) for the parallel rates");
        Report("FMA double", "G FMA/s", threads, FmaDouble);
        Report("FMA float", "G FMA/s", threads, FmaFloat);
        Report("exp double (TensorPrimitives.Exp, 1,024 in L1)", "G exp/s", threads, ExpDouble);
        Report("exp float (TensorPrimitives.Exp, 1,024 in L1)", "G exp/s", threads, ExpFloat);
        Report("log double (TensorPrimitives.Log, 1,024 in L1)", "G log/s", threads, LogDouble);
        Report("divide double (x / y, 1,024 in L1)", "G div/s", threads, DivideDouble);
        Report("28 x 28 x 28 product, double (SmallMatrix, the grid passes)", "G FMA/s", threads, GridProduct);
        return 0;
    }

    /// <summary>The best rate of five runs of work(reps) on one thread and on threads at
    /// once, where work returns the operations it did (sized to ~0.2 s).</summary>
    private static void Report(string what, string unit, int threads, Func<long, double> work)
    {
        work(1000); // JIT and warm-up
        long reps = 1000;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 0.05)
        {
            reps *= 2;
            clock.Restart();
            work(reps);
        }
        reps = Math.Max(1, (long)(reps * 0.2 / clock.Elapsed.TotalSeconds));
        double Best(int count)
        {
            double best = 0;
            for (int run = 0; run < 5; run++)
            {
                var timer = Stopwatch.StartNew();
                double operations = 0;
                object sum = new();
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, _ =>
                {
                    double done = work(reps);
                    lock (sum) operations += done;
                });
                best = Math.Max(best, operations / timer.Elapsed.TotalSeconds);
            }
            return best;
        }
        double one = Best(1), all = threads > 1 ? Best(threads) : one;
        Console.WriteLine($"{what}: {one / 1e9:F2} {unit} on 1 thread, {all / 1e9:F2} on {threads}");
    }

    private static double FmaDouble(long reps) => Vector512.IsHardwareAccelerated
        ? Fma<Vector512<double>, Lanes512<double>, double>(reps, 1.0000001, 1e-9) : Fma<Vector256<double>, Lanes256<double>, double>(reps, 1.0000001, 1e-9);

    private static double FmaFloat(long reps) => Vector512.IsHardwareAccelerated
        ? Fma<Vector512<float>, Lanes512<float>, float>(reps, 1.0000001f, 1e-9f) : Fma<Vector256<float>, Lanes256<float>, float>(reps, 1.0000001f, 1e-9f);

    /// <summary>reps rounds of Chains independent a = a m + c through the kernels' own vector
    /// abstraction (Lanes); the result is kept alive so that the loop stays.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Fma<TVector, TLanes, T>(long reps, T multiplier, T addend)
        where TVector : struct where TLanes : ILanes<TVector, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVector m = TLanes.Broadcast(multiplier), c = TLanes.Broadcast(addend);
        TVector a0 = TLanes.Broadcast(T.CreateTruncating(0)), a1 = TLanes.Broadcast(T.CreateTruncating(1)), a2 = TLanes.Broadcast(T.CreateTruncating(2)),
            a3 = TLanes.Broadcast(T.CreateTruncating(3)), a4 = TLanes.Broadcast(T.CreateTruncating(4)), a5 = TLanes.Broadcast(T.CreateTruncating(5)),
            a6 = TLanes.Broadcast(T.CreateTruncating(6)), a7 = TLanes.Broadcast(T.CreateTruncating(7)), a8 = TLanes.Broadcast(T.CreateTruncating(8)),
            a9 = TLanes.Broadcast(T.CreateTruncating(9)), a10 = TLanes.Broadcast(T.CreateTruncating(10)), a11 = TLanes.Broadcast(T.CreateTruncating(11));
        for (long r = 0; r < reps; r++)
        {
            a0 = TLanes.MultiplyAdd(a0, m, c); a1 = TLanes.MultiplyAdd(a1, m, c); a2 = TLanes.MultiplyAdd(a2, m, c);
            a3 = TLanes.MultiplyAdd(a3, m, c); a4 = TLanes.MultiplyAdd(a4, m, c); a5 = TLanes.MultiplyAdd(a5, m, c);
            a6 = TLanes.MultiplyAdd(a6, m, c); a7 = TLanes.MultiplyAdd(a7, m, c); a8 = TLanes.MultiplyAdd(a8, m, c);
            a9 = TLanes.MultiplyAdd(a9, m, c); a10 = TLanes.MultiplyAdd(a10, m, c); a11 = TLanes.MultiplyAdd(a11, m, c);
        }
        T sum = TLanes.Sum(a0) + TLanes.Sum(a1) + TLanes.Sum(a2) + TLanes.Sum(a3) + TLanes.Sum(a4) + TLanes.Sum(a5) + TLanes.Sum(a6) + TLanes.Sum(a7)
            + TLanes.Sum(a8) + TLanes.Sum(a9) + TLanes.Sum(a10) + TLanes.Sum(a11);
        Sink = double.CreateTruncating(sum);
        return (double)reps * Chains * TLanes.Count;
    }

    /// <summary>Keeps the benchmarks' results alive.</summary>
    private static double Sink;

    private const int Length = 1024;

    private static double ExpDouble(long reps) => Elementwise(reps, -0.5, (x, y) => TensorPrimitives.Exp<double>(x, y));

    private static double ExpFloat(long reps) => Elementwise(reps, -0.5f, (x, y) => TensorPrimitives.Exp<float>(x, y));

    private static double LogDouble(long reps) => Elementwise(reps, 0.5, (x, y) => TensorPrimitives.Log<double>(x, y));

    private static double DivideDouble(long reps) => Elementwise(reps, 0.5, (x, y) => LinearAlgebra.Elementwise.Map<LinearAlgebra.Elementwise.Divide>(y, x, y));

    /// <summary>reps multiply-adds' worth of 28 x 28 by 28 x 28 products, the shape of one MNIST
    /// grid pass: how much of the FMA peak the small-matrix kernel reaches.</summary>
    private static double GridProduct(long reps)
    {
        const int side = 28;
        var a = new double[side * side];
        var b = new double[side * side];
        var c = new double[side * side];
        for (int i = 0; i < a.Length; i++) (a[i], b[i]) = (1.0 / (1 + i % 5), 1.0 / (1 + i % 3));
        long rounds = reps / (side * side * side) + 1;
        for (long r = 0; r < rounds; r++) SmallMatrix.Multiply<double>(a, b, c, side, side, side);
        Sink = c[0];
        return (double)rounds * side * side * side;
    }

    private delegate void Map<T>(ReadOnlySpan<T> source, Span<T> destination);

    /// <summary>About reps elements of op from one array of Length into another (both in L1).</summary>
    private static double Elementwise<T>(long reps, T start, Map<T> op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> source = stackalloc T[Length], destination = stackalloc T[Length];
        for (int i = 0; i < Length; i++) source[i] = start * T.CreateTruncating(1 + i % 7);
        long rounds = reps / Length + 1;
        for (long r = 0; r < rounds; r++) op(source, destination);
        Sink = double.CreateTruncating(destination[0]);
        return (double)rounds * Length;
    }
}
