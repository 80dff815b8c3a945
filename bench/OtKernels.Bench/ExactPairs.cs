// The otk side of bench/scripts/emd_sparse_vs_pot.sh, seeded, the inputs written as float64
// little-endian for POT (bench/scripts/pot_emd_pairs.py):
// - `grid-w2 SIZE PAIRS INPUTS`: W2^2 between smooth random densities on a SIZE x SIZE grid
//   (each three Gaussian bumps of random centre and width, every pixel positive: the hardest
//   case for the sparse path, no zero bins to drop); INPUTS is [pairs, 2, SIZE^2].
// - `cloud-w2 POINTS DIMENSION PAIRS INPUTS`: W2^2 between clouds of POINTS uniformly
//   weighted points in the unit cube of R^DIMENSION, each drawn from three Gaussian clusters;
//   INPUTS is [pairs, 2, POINTS, DIMENSION].
// Solves each pair once untimed, then timed; prints pairs/s, the per-level trace, the peak
// working set, and each pair's W2^2 and milliseconds (for the side-by-side comparison).
using System.Diagnostics;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Bench;

internal static class ExactPairs
{
    public static int Grid(int size, int pairs, string inputsPath)
    {
        int pixels = size * size;
        var rng = new Random(20261201);
        var inputs = new double[pairs * 2 * pixels];
        for (int k = 0; k < 2 * pairs; k++) Density(rng, size, inputs.AsSpan(k * pixels, pixels));
        Write(inputs, inputsPath);
        var cost = new ImageGridCost(size, size);
        return Run($"{size}x{size} grid", pairs, k => (inputs.AsMemory(2 * k * pixels, pixels), inputs.AsMemory((2 * k + 1) * pixels, pixels), cost));
    }

    public static int Clouds(int points, int dimension, int pairs, string inputsPath)
    {
        int length = points * dimension;
        var rng = new Random(20261201);
        var inputs = new double[pairs * 2 * length];
        for (int k = 0; k < 2 * pairs; k++) Cloud(rng, dimension, inputs.AsSpan(k * length, length));
        Write(inputs, inputsPath);
        var uniform = new double[points];
        Array.Fill(uniform, 1.0 / points);
        return Run($"{points} points in {dimension}-D", pairs, k => (uniform, uniform,
            new PointCloudCost(inputs.AsMemory(2 * k * length, length), inputs.AsMemory((2 * k + 1) * length, length), dimension)));
    }

    private static void Write(double[] inputs, string path)
    {
        using var file = File.Create(path);
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(inputs.AsSpan()));
    }

    private static int Run(string what, int pairs, Func<int, (ReadOnlyMemory<double> A, ReadOnlyMemory<double> B, GroundCost Cost)> pair)
    {
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
                    (ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, GroundCost cost) = pair(k);
                    EmdResult r = NetworkSimplex.Solve(a.Span, b.Span, cost);
                    if (r.Status != EmdStatus.Optimal) throw new InvalidOperationException($"pair {k} was not solved to optimality.");
                    values[k] = r.Cost;
                    times[k] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            if (pass == 0) continue;
            Console.WriteLine($"otk NetworkSimplex, {what}: {pairs} pairs in {seconds:F3} s: {pairs / seconds:F2} pairs/s, {seconds / pairs * 1e3:F1} ms/pair, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
            LevelTrace.Print(trace, pairs);
        }
        Console.WriteLine("otk values: " + string.Join(" ", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        Console.WriteLine("otk ms: " + string.Join(" ", times.Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));
        return 0;
    }

    /// <summary>Three Gaussian clusters of random centre in [0.2, 0.8]^d and spread 0.03 to 0.15, points clamped to the unit cube.</summary>
    private static void Cloud(Random rng, int d, Span<double> points)
    {
        var centres = new double[3 * d];
        var spread = new double[3];
        for (int c = 0; c < 3; c++)
        {
            for (int k = 0; k < d; k++) centres[c * d + k] = 0.2 + 0.6 * rng.NextDouble();
            spread[c] = 0.03 + 0.12 * rng.NextDouble();
        }
        for (int p = 0; p < points.Length / d; p++)
        {
            int c = rng.Next(3);
            for (int k = 0; k < d; k++)
            {
                double gaussian = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                points[p * d + k] = Math.Clamp(centres[c * d + k] + spread[c] * gaussian, 0, 1);
            }
        }
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
