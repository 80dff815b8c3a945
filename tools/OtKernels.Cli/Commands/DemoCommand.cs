// otk demo: the engine at work on a built-in default, no files needed. It solves exact OT
// between two generated 2-D point clouds and between two generated images, checks each
// answer's dual certificate, runs Sinkhorn and the divergence (with a gradient) on the
// clouds at three epsilons, and prints what it did.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Solve built-in exact OT problems and print what was done.");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        var rng = new Random(2018);
        const int n = 300, m = 250;
        double[] x = Gaussian(rng, n, 0, 0), y = Gaussian(rng, m, 4, 1);
        double[] a = Enumerable.Repeat(1.0 / n, n).ToArray(), b = Enumerable.Repeat(1.0 / m, m).ToArray();
        var clouds = new PointCloudCost(x, y, 2);
        var clock = Stopwatch.StartNew();
        EmdResult r = NetworkSimplex.Solve(a, b, clouds);
        double ms = clock.Elapsed.TotalMilliseconds;
        Console.WriteLine($"Point clouds: {n} points N((0,0), I) vs {m} points N((4,1), I) in R^2, uniform weights.");
        Console.WriteLine($"  W2^2 = {r.Cost:F6} (means alone give {4 * 4 + 1 * 1}); {r.Iterations} pivots, {r.Plan.Count} plan entries, {r.Status}, {ms:F1} ms.");
        PrintCertificate(r.Certify(a, b, clouds));

        const int side = 28;
        double[] ring = Picture(side, (row, col) => Math.Abs(Math.Sqrt((row - 13.5) * (row - 13.5) + (col - 13.5) * (col - 13.5)) - 9) < 2);
        double[] bar = Picture(side, (row, col) => col >= 11 && col <= 16 && row >= 3 && row <= 24);
        var grid = new ImageGridCost(side, side);
        clock.Restart();
        EmdResult g = NetworkSimplex.Solve(ring, bar, grid);
        ms = clock.Elapsed.TotalMilliseconds;
        Console.WriteLine($"Images: a ring and a bar on the {side}x{side} grid (squared Euclidean cost in pixel units).");
        Console.WriteLine($"  W2^2 = {g.Cost:F6} px^2; {g.Iterations} pivots, {g.Status}, {ms:F1} ms.");
        PrintCertificate(g.Certify(ring, bar, grid));

        // Entropic OT on the same clouds: the value approaches W2^2 from above as eps shrinks.
        foreach (double eps in new[] { 1.0, 0.1, 0.01 })
        {
            clock.Restart();
            var options = new SinkhornOptions { Epsilon = eps, Tolerance = 1e-9, EpsilonScaling = 0.5, OverRelaxation = 1.5, MaxIterations = 100_000 };
            SinkhornDivergenceResult<double> s = SinkhornDivergence.Solve(a, b, clouds, options);
            var dx = new double[2 * n];
            SinkhornDivergenceBackward.PositionGradients(s, 0, clouds, dx, new double[2 * m]);
            Console.WriteLine($"Sinkhorn, eps = {eps}: OT_eps = {s.Cross.Value[0]:F6}, <P,C> = {s.Cross.TransportCost(0):F6}, divergence S_eps = {s.Value[0]:F6}, " +
                              $"|dS/dx| = {Math.Sqrt(dx.Sum(v => v * v)):F4}; {s.Cross.Iterations[0]} iterations, {s.Cross.Status[0]}, {clock.Elapsed.TotalMilliseconds:F0} ms.");
        }

        double[] line = Enumerable.Range(0, n).Select(i => x[2 * i]).ToArray();
        double[] shifted = Enumerable.Range(0, m).Select(j => y[2 * j]).ToArray();
        Console.WriteLine($"1D closed form between the first coordinates: W1 = {Emd1D.Cost(a, b, line, shifted, 1):F6}, W2^2 = {Emd1D.Cost(a, b, line, shifted, 2):F6}.");
        return r.Status == EmdStatus.Optimal && g.Status == EmdStatus.Optimal ? 0 : 1;
    }

    private static double[] Gaussian(Random rng, int count, double mx, double my)
    {
        var p = new double[2 * count];
        for (int k = 0; k < count; k++)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())), angle = 2 * Math.PI * rng.NextDouble();
            p[2 * k] = mx + radius * Math.Cos(angle);
            p[2 * k + 1] = my + radius * Math.Sin(angle);
        }
        return p;
    }

    private static double[] Picture(int side, Func<int, int, bool> inside)
    {
        var h = new double[side * side];
        for (int r = 0; r < side; r++) for (int c = 0; c < side; c++) h[r * side + c] = inside(r, c) ? 1 : 0;
        double s = h.Sum();
        return h.Select(v => v / s).ToArray();
    }

    private static void PrintCertificate(EmdCertificate c) =>
        Console.WriteLine($"  dual certificate: primal - dual = {c.DualityGap:E2}, worst dual violation = {c.MaxDualViolation:E2}, "
            + $"{(c.Holds() ? "holds" : "DOES NOT HOLD")}");
}
