// otk bench kernels: the throughput of each batched kernel on one accelerator, with the
// data already resident (device buffers on a GPU; arrays on the CPU), fastest of
// --repeats timed runs after one untimed run (which compiles). Work is counted from the
// algorithm, not the code: a Sinkhorn iteration is two soft-min sweeps of n m entries,
// each one exp and 3d + 5 FLOP (the cost |x - y|^2 is 3d: subtract, multiply-add), so the
// rates compare across implementations; the fraction of peak uses the device's own peak
// (CudaAccelerator: SMs x clock x lanes) and is n/a where the peak is unknown.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Accelerators;
using OtKernels.Autodiff.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Cli.Commands;

internal static class BenchCommand
{
    public static Command Create()
    {
        var kernels = new Command("kernels", "Throughput of each batched kernel (pairs/s, GFLOP/s, exp/s, fraction of peak).");
        var accelerator = AcceleratorOption.Create("Where the kernels run");
        var pairs = new Option<int>("--pairs") { Description = "Problems per batch.", DefaultValueFactory = _ => 4096 };
        var points = new Option<int>("--n") { Description = "Points per cloud (n = m).", DefaultValueFactory = _ => 16 };
        var dimension = new Option<int>("--d") { Description = "Point dimension.", DefaultValueFactory = _ => 2 };
        var iterations = new Option<int>("--iterations") { Description = "Sinkhorn iterations (fixed).", DefaultValueFactory = _ => 50 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs; the fastest is reported.", DefaultValueFactory = _ => 3 };
        var dense = new Option<int>("--dense-n") { Description = "Support size of the shared-cost kernel (784: MNIST).", DefaultValueFactory = _ => 784 };
        var densePairs = new Option<int>("--dense-pairs") { Description = "Histograms for the shared-cost kernel.", DefaultValueFactory = _ => 64 };
        foreach (Option o in (Option[])[accelerator, pairs, points, dimension, iterations, repeats, dense, densePairs]) kernels.Options.Add(o);
        kernels.SetAction(parse => CliErrors.Run(() => Run(AcceleratorOption.Parse(parse.GetValue(accelerator)!), parse.GetValue(pairs), parse.GetValue(points),
            parse.GetValue(dimension), parse.GetValue(iterations), parse.GetValue(repeats), parse.GetValue(dense), parse.GetValue(densePairs))));
        var command = new Command("bench", "Benchmarks.");
        command.Subcommands.Add(kernels);
        return command;
    }

    private static int Run(AcceleratorKind kind, int pairs, int n, int d, int iterations, int repeats, int denseN, int densePairs)
    {
        if (pairs < 1 || n < 1 || d < 1 || iterations < 1 || repeats < 1 || denseN < 1 || densePairs < 1)
            throw new ArgumentException("--pairs, --n, --d, --iterations, --repeats, --dense-n and --dense-pairs must be positive.");
        using Accelerator accelerator = Accelerator.Create(kind);
        var device = accelerator as DeviceAccelerator;
        Console.WriteLine($"accelerator: {accelerator}" + (device is null ? "" :
            $"; {device.ComputeUnits} compute units at {device.ClockMHz:F0} MHz; peak {Rate(device.PeakFlopsPerSecond, 1e9)} GFLOP/s, {Rate(device.PeakExpPerSecond, 1e9)} Gexp/s"));
        Console.WriteLine($"batch: {pairs} pairs of {n} x {n} points in R^{d}, {iterations} iterations; shared cost: {densePairs} histograms on {denseN} bins");
        Console.WriteLine($"{"kernel",-34} {"seconds",9} {"pairs/s",12} {"GFLOP/s",9} {"Gexp/s",8} {"exp % peak",10} {"FLOP % peak",11}");

        PointCloudBatch batch = new ConformanceCase(pairs, n, n, d, 0.1, 42, PlantZeros: false).Generate();
        var fixedIterations = new SinkhornOptions { Epsilon = 0.1, MaxIterations = iterations, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
        float[] upstream = Ones(pairs);
        double nm = (double)n * n, sweep = 3.0 * d + 5;
        var resident = device is null ? null : DeviceCloudBatch.Upload(device, batch);
        try
        {
            // Forward: L iterations of two sweeps.
            Report("sinkhorn_clouds (forward)", pairs, iterations * 2 * nm * sweep, iterations * 2 * nm, device, repeats, device is null
                ? () => BatchedSinkhorn.SolveClouds(accelerator, batch, fixedIterations)
                : () => DeviceForward(device, batch, resident!, fixedIterations, taped: false));
            // Forward with the tape, then the unrolled reverse: four sweeps per step, each with the
            // position accumulation (3d more FLOP per entry).
            Report("sinkhorn_clouds forward + unrolled", pairs, iterations * nm * (2 * sweep + 4 * (sweep + 3.0 * d)), iterations * 6 * nm, device, repeats,
                device is null
                    ? () => BatchedSinkhornBackward.UnrolledValueAndGradients(accelerator, batch, fixedIterations, upstream)
                    : () => DeviceForward(device, batch, resident!, fixedIterations, taped: true));
            SinkhornResult<float> forward = BatchedSinkhorn.SolveClouds(accelerator, batch, fixedIterations);
            Report("sinkhorn_clouds_backward converged", pairs, 2 * nm * (sweep + 3.0 * d), 2 * nm, device, repeats, device is null
                ? () => BatchedSinkhornBackward.Gradients(accelerator, batch, forward, upstream)
                : () => DeviceConvergedBackward(device, batch, resident!, forward));
            // The divergence: the cross problem's two sweeps and one sweep of each self-term per iteration.
            Report("sinkhorn_divergence_clouds", pairs, iterations * 4 * nm * sweep, iterations * 4 * nm, device, repeats, device is null
                ? () => BatchedSinkhorn.DivergenceClouds(accelerator, batch, fixedIterations with { Mode = SinkhornMode.Converged })
                : () => DeviceDivergence(device, batch, resident!, fixedIterations with { Mode = SinkhornMode.Converged }));
            var histograms = new ConformanceCase(densePairs, denseN, denseN, 2, 0.1, 43, PlantZeros: false).Generate();
            float[] support = histograms.X.Span[..(2 * denseN)].ToArray();
            var shared = new DenseCost(PairwiseDistances.SquaredEuclidean(accelerator, support, support, 2).Select(v => (double)v).ToArray(), denseN, denseN);
            float[] source = histograms.A.Span[..denseN].ToArray();
            Report($"sinkhorn_dense ({denseN} bins)", densePairs, iterations * 2.0 * denseN * denseN * 5, iterations * 2.0 * denseN * denseN, device, repeats,
                () => BatchedSinkhorn.SolveShared(accelerator, shared, source, histograms.B, fixedIterations));
            int vectors = Math.Max(1, (int)Math.Sqrt(pairs) * 16);
            float[] u = batch.X.Span[..Math.Min(batch.X.Length, vectors * d)].ToArray();
            int p = u.Length / d;
            Report($"pairwise_squared_distances ({p}^2)", (double)p * p, (double)p * p * 3 * d / ((double)p * p), 0, device, repeats,
                () => PairwiseDistances.SquaredEuclidean(accelerator, u, u, d));
        }
        finally
        {
            resident?.Dispose();
        }
        return 0;
    }

    private static void DeviceForward(DeviceAccelerator device, PointCloudBatch batch, DeviceCloudBatch resident, SinkhornOptions options, bool taped)
    {
        using DeviceSinkhornRun run = DeviceSinkhornRun.Clouds(device, batch, resident, options, taped);
        using DeviceCloudGradients? reverse = taped ? DeviceCloudGradients.Unrolled(device, batch, resident, run, options, Ones(batch.Batch)) : null;
        device.Synchronize();
    }

    private static void DeviceConvergedBackward(DeviceAccelerator device, PointCloudBatch batch, DeviceCloudBatch resident, SinkhornResult<float> forward)
    {
        using DeviceBuffer<float> f = device.Upload<float>(forward.F), g = device.Upload<float>(forward.G);
        device.Synchronize(); // the potentials' upload is not the kernel's time
        using DeviceCloudGradients reverse = DeviceCloudGradients.Converged(device, batch.Batch, batch.N, batch.M, batch.Dimension,
            resident.X, resident.Y, resident.A, resident.B, f, g, (float)forward.Epsilon, Ones(batch.Batch));
        device.Synchronize();
    }

    private static void DeviceDivergence(DeviceAccelerator device, PointCloudBatch batch, DeviceCloudBatch resident, SinkhornOptions options)
    {
        using DeviceSinkhornRun run = DeviceSinkhornRun.Divergence(device, batch, resident, options);
        device.Synchronize();
    }

    private static float[] Ones(int count) => Enumerable.Repeat(1f, count).ToArray();

    /// <summary>Times run (fastest of repeats after one untimed call) and prints a row; flops
    /// and exps are per pair.</summary>
    private static void Report(string kernel, double pairs, double flops, double exps, DeviceAccelerator? device, int repeats, Action run)
    {
        run();
        double best = double.PositiveInfinity;
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        double flopRate = pairs * flops / best, expRate = pairs * exps / best;
        string expPeak = device?.PeakExpPerSecond is { } pe && exps > 0 ? $"{100 * expRate / pe:F1}" : "n/a";
        string flopPeak = device?.PeakFlopsPerSecond is { } pf ? $"{100 * flopRate / pf:F1}" : "n/a";
        Console.WriteLine($"{kernel,-34} {best,9:F4} {pairs / best,12:N0} {flopRate / 1e9,9:F2} {expRate / 1e9,8:F3} {expPeak,10} {flopPeak,11}");
    }

    private static string Rate(double? value, double unit) => value is { } v ? $"{v / unit:F0}" : "n/a";
}
