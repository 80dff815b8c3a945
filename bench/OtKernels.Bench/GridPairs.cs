// `grid-w2 SIZE PAIRS INPUTS`: exact W2^2 between random smooth densities on a SIZE x SIZE
// grid (each a sum of three Gaussian bumps of random centre and width, every pixel
// positive: the hardest case for the sparse path, no zero bins to drop), seeded, written
// to INPUTS (float64, [pairs, 2, SIZE^2], little-endian) for bench/scripts/pot_emd_grid.py.
// Solves each pair once untimed, then timed; prints pairs/s, the per-level trace, the peak
// working set, and each pair's W2^2 and milliseconds (for the side-by-side comparison).
using System.Diagnostics;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Bench;

internal static class GridPairs
{
    public static int Run(int size, int pairs, string inputsPath)
    {
        int pixels = size * size;
        var rng = new Random(20261201);
        var inputs = new double[pairs * 2 * pixels];
        for (int k = 0; k < 2 * pairs; k++) Density(rng, size, inputs.AsSpan(k * pixels, pixels));
        using (var file = File.Create(inputsPath))
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(inputs.AsSpan()));

        var cost = new ImageGridCost(size, size);
        var values = new double[pairs];
        var times = new double[pairs];
        for (int pass = 0; pass < 2; pass++)
        {
            var trace = new EmdTrace();
            var clock = Stopwatch.StartNew();
            using (EmdTrace.Start(trace))
            {
                for (int k = 0; k < pairs; k++)
                {
                    long started = Stopwatch.GetTimestamp();
                    EmdResult r = NetworkSimplex.Solve(inputs.AsSpan(2 * k * pixels, pixels), inputs.AsSpan((2 * k + 1) * pixels, pixels), cost);
                    if (r.Status != EmdStatus.Optimal) throw new InvalidOperationException($"pair {k} was not solved to optimality.");
                    values[k] = r.Cost;
                    times[k] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            if (pass == 0) continue;
            Console.WriteLine($"otk NetworkSimplex, {size}x{size} grid: {pairs} pairs in {seconds:F3} s: {pairs / seconds:F2} pairs/s, {seconds / pairs * 1e3:F1} ms/pair, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
            LevelTrace.Print(trace, pairs);
        }
        Console.WriteLine("otk values: " + string.Join(" ", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        Console.WriteLine("otk ms: " + string.Join(" ", times.Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));
        return 0;
    }

    /// <summary>Three Gaussian bumps, centres uniform on the grid, widths 1/12 to 1/5 of it, weights 1 to 2; sum 1.</summary>
    private static void Density(Random rng, int size, Span<double> image)
    {
        image.Clear();
        for (int bump = 0; bump < 3; bump++)
        {
            double r0 = rng.NextDouble() * size, c0 = rng.NextDouble() * size;
            double sigma = size * (1 / 12.0 + rng.NextDouble() * (1 / 5.0 - 1 / 12.0)), weight = 1 + rng.NextDouble();
            for (int k = 0; k < image.Length; k++)
            {
                double dr = k / size - r0, dc = k % size - c0;
                image[k] += weight * Math.Exp(-(dr * dr + dc * dc) / (2 * sigma * sigma));
            }
        }
        double total = 0;
        foreach (double v in image) total += v;
        for (int k = 0; k < image.Length; k++) image[k] /= total;
    }
}
