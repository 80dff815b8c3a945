// `sgemm THREADS`: GFLOP/s of OtNet's Sgemm on the shapes the layers use (the DWE encoder's
// im2col products, its dense layers, their backward transposes) and two square sizes. Each
// shape is timed warm as the fastest of five runs of enough products to take ~0.2 s.
using System.Diagnostics;
using OtNet.LinearAlgebra;

namespace OtKernels.Bench;

internal static class SgemmRates
{
    /// <summary>(name, m, n, k, transposeA, transposeB); bench/scripts/sgemm_vs_numpy.sh runs the
    /// shapes this prints, so this is the only list.</summary>
    public static readonly (string Name, int M, int N, int K, bool TransposeA, bool TransposeB)[] Shapes =
    [
        ("square 256", 256, 256, 256, false, false),
        ("square 1024", 1024, 1024, 1024, false, false),
        ("conv 20@3x3 fwd (im2col, 32 images)", 32 * 784, 20, 9, false, false),
        ("conv 5@5x5 fwd (im2col, 32 images)", 32 * 784, 5, 500, false, false),
        ("dense 3920->100 fwd (batch 32)", 32, 100, 3920, false, true),
        ("dense 3920->100 weight grad (batch 32)", 100, 3920, 32, true, false),
        ("dense 100->3920 fwd (batch 32)", 32, 3920, 100, false, true),
    ];

    public static int Run(int threads)
    {
        var rng = new Random(1);
        foreach (var (name, m, n, k, ta, tb) in Shapes)
        {
            float[] a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble()).ToArray();
            var c = new float[m * n];
            double flops = 2.0 * m * n * k;
            int reps = Math.Max(1, (int)(0.2e9 * 2 / flops));
            double best = double.PositiveInfinity;
            Sgemm.Multiply(a, ta, b, tb, c, m, n, k, maxDegreeOfParallelism: threads);
            for (int run = 0; run < 5; run++)
            {
                var clock = Stopwatch.StartNew();
                for (int r = 0; r < reps; r++) Sgemm.Multiply(a, ta, b, tb, c, m, n, k, maxDegreeOfParallelism: threads);
                best = Math.Min(best, clock.Elapsed.TotalSeconds / reps);
            }
            Console.WriteLine($"otk {name} ({m}x{n}x{k}{(ta ? " A^T" : "")}{(tb ? " B^T" : "")}): {flops / best / 1e9:F1} GFLOP/s on {threads} thread(s)");
        }
        return 0;
    }
}
