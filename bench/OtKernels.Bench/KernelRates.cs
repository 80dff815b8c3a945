// `kernels`: the throughput of each batched kernel on one accelerator, with the
// data already resident (device buffers on a device, output buffers allocated in the timed
// call; arrays on the CPU), fastest of --repeats timed runs after one untimed run (which
// compiles). Work is counted from the
// algorithm, not the code: a Sinkhorn iteration is two soft-min sweeps of n m entries,
// each one exp and 3d + 5 FLOP (the cost |x - y|^2 is 3d: subtract, multiply-add), so the
// rates compare across implementations; the fraction of peak uses the device's own peak
// (DeviceAccelerator on CUDA: SMs x clock x lanes) and is n/a where the peak is unknown.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Autodiff.Entropic.Device;
using OtKernels.Conformance;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;

namespace OtKernels.Bench;

internal static class KernelRates
{
    public static Command Create()
    {
        var accelerator = new Option<string>("--accelerator") { Description = $"Where the kernels run: {Accelerator.KindNames}.", DefaultValueFactory = _ => "auto" };
        var pairs = new Option<int>("--pairs") { Description = "Problems per batch.", DefaultValueFactory = _ => 4096 };
        var points = new Option<int>("--n") { Description = "Points per cloud (n = m).", DefaultValueFactory = _ => 16 };
        var dimension = new Option<int>("--d") { Description = "Point dimension.", DefaultValueFactory = _ => 2 };
        var iterations = new Option<int>("--iterations") { Description = "Sinkhorn iterations (fixed).", DefaultValueFactory = _ => 50 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs; the fastest is reported.", DefaultValueFactory = _ => 3 };
        var dense = new Option<int>("--dense-n") { Description = "Support size of the shared-cost kernel (784: MNIST).", DefaultValueFactory = _ => 784 };
        var densePairs = new Option<int>("--dense-pairs") { Description = "Histograms for the shared-cost kernel.", DefaultValueFactory = _ => 64 };
        var command = new Command("kernels", "Throughput of each batched kernel (pairs/s, GFLOP/s, exp/s, fraction of peak).")
            { accelerator, pairs, points, dimension, iterations, repeats, dense, densePairs };
        command.SetAction(parse => Run(Accelerator.ParseKind(parse.GetValue(accelerator)!), parse.GetValue(pairs), parse.GetValue(points),
            parse.GetValue(dimension), parse.GetValue(iterations), parse.GetValue(repeats), parse.GetValue(dense), parse.GetValue(densePairs)));
        return command;
    }

    private static int Run(AcceleratorKind kind, int pairs, int n, int d, int iterations, int repeats, int denseN, int densePairs)
    {
        if (pairs < 1 || n < 1 || d < 1 || iterations < 1 || repeats < 1 || denseN < 1 || densePairs < 1)
            throw new ArgumentException("--pairs, --n, --d, --iterations, --repeats, --dense-n and --dense-pairs must be positive.");
        using Accelerator accelerator = Accelerator.Create(kind);
        var device = accelerator as DeviceAccelerator;
        Console.WriteLine($"accelerator: {accelerator}" + (device is null ? "" :
            $"; {device.ComputeUnits} compute units{(device.ClockMHz is double mhz ? $" at {mhz:F0} MHz" : "")}; "
            + $"peak {Rate(device.PeakFlopsPerSecond, 1e9)} GFLOP/s, {Rate(device.PeakExpPerSecond, 1e9)} Gexp/s"));
        Console.WriteLine($"batch: {pairs} pairs of {n} x {n} points in R^{d}, {iterations} iterations; shared cost: {densePairs} histograms on {denseN} bins");
        Console.WriteLine($"{"kernel",-44} {"seconds",9} {"pairs/s",12} {"GFLOP/s",9} {"Gexp/s",8} {"exp % peak",10} {"FLOP % peak",11}");

        PointCloudBatch batch = new ConformanceCase(pairs, n, n, d, 0.1, 42, PlantZeros: false).Generate();
        var fixedIterations = new SinkhornOptions { Epsilon = 0.1, MaxIterations = iterations, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
        float[] upstream = Ones(pairs);
        double nm = (double)n * n, sweep = 3.0 * d + 5;
        using DeviceBuffers? resident = device?.Buffers();
        SinkhornKernel.ResidentBatch inputs = resident is null ? default : SinkhornKernel.ResidentBatch.Upload(resident, batch);
        // On a device each timed call launches on the resident batch and waits for the kernel.
        Action OnDevice(Action<DeviceAccelerator, DeviceBuffers> launch) => () =>
        {
            using DeviceBuffers outputs = device!.Buffers();
            launch(device, outputs);
            device.Synchronize();
        };
        // Forward: L iterations of two sweeps.
        Report("Sinkhorn clouds (forward)", pairs, iterations * 2 * nm * sweep, iterations * 2 * nm, device, repeats, device is null
            ? () => Sinkhorn.SolveBatch(accelerator, batch, fixedIterations)
            : OnDevice((dev, buffers) => SinkhornKernel.LaunchClouds(dev, buffers, inputs, batch, fixedIterations, taped: false)));
        // Forward with the tape, then the unrolled reverse: four sweeps per step, each with the
        // position accumulation (3d more FLOP per entry).
        float[] ones = Ones(pairs);
        Report("forward + unrolled reverse", pairs, iterations * nm * (2 * sweep + 4 * (sweep + 3.0 * d)), iterations * 6 * nm, device, repeats,
            device is null
                ? () => SinkhornBackward.UnrolledValueAndGradients(accelerator, batch, fixedIterations, upstream)
                : OnDevice((dev, buffers) => SinkhornCloudsUnrolledKernel.Launch(dev, buffers, inputs, batch, fixedIterations, buffers.Upload(ones, "gradOut").View)));
        SinkhornResult<float> forward = Sinkhorn.SolveBatch(accelerator, batch, fixedIterations);
        ResidentPotentials? potentials = resident is null ? null : new(resident.Upload(forward.F, "f").View, resident.Upload(forward.G, "g").View, resident.Upload(ones, "gradOut").View);
        Report("converged reverse", pairs, 2 * nm * (sweep + 3.0 * d), 2 * nm, device, repeats, device is null
            ? () => SinkhornBackward.Gradients(accelerator, batch, forward, upstream)
            : OnDevice((dev, buffers) => SinkhornCloudsBackwardKernel.Launch(dev, buffers, batch, n, n,
                new(inputs.X, inputs.Y, inputs.A, inputs.B, potentials!.F, potentials.G), (float)forward.Epsilon, potentials.GradOut)));
        // The divergence: the cross problem's two sweeps and one sweep of each self-term per iteration.
        var divergence = fixedIterations with { Mode = SinkhornMode.Converged };
        Report("Sinkhorn divergence", pairs, iterations * 4 * nm * sweep, iterations * 4 * nm, device, repeats, device is null
            ? () => SinkhornDivergence.SolveBatch(accelerator, batch, divergence)
            : OnDevice((dev, buffers) => SinkhornKernel.LaunchDivergence(dev, buffers, inputs, batch, divergence)));
        // Metric learning's batch (Dou et al. 2022): the divergence of uniform clouds on |x - y|,
        // unrolled, forward and reverse through the public call (with transfers). Each
        // self-term costs what the cross term does (one sweep forward, two in reverse, against
        // two and four), so twice the cross term's work.
        float[] x = batch.X.ToArray(), y = batch.Y.ToArray(), gradX = new float[x.Length], gradY = new float[y.Length];
        double[] values = new double[pairs], unit = Enumerable.Repeat(1.0, pairs).ToArray();
        var metricLearning = new EntropicDistanceOptions { Epsilon = 0.1, Iterations = iterations, Kind = EntropicDistanceKind.Divergence, Metric = GroundMetric.Euclidean };
        Report("divergence + reverse, W1 (with transfers)", pairs, 2 * iterations * nm * (2 * sweep + 4 * (sweep + 3.0 * d)), iterations * 12 * nm, device, repeats,
            () => UnrolledCloudDistance.Compute(accelerator, x, y, n, n, d, metricLearning, values, unit, gradX, gradY));
        var histograms = new ConformanceCase(densePairs, denseN, denseN, 2, 0.1, 43, PlantZeros: false).Generate();
        float[] support = histograms.X.Span[..(2 * denseN)].ToArray();
        var shared = new DenseCost(PairwiseDistances.SquaredEuclidean(accelerator, support, support, 2).Select(v => (double)v).ToArray(), denseN, denseN);
        float[] source = histograms.A.Span[..denseN].ToArray();
        Report($"Sinkhorn dense ({denseN} bins, with transfers)", densePairs, iterations * 2.0 * denseN * denseN * 5, iterations * 2.0 * denseN * denseN, device, repeats,
            () => Sinkhorn.SolveBatch(accelerator, source, histograms.B, shared, fixedIterations));
        int vectors = Math.Max(1, (int)Math.Sqrt(pairs) * 16);
        float[] u = batch.X.Span[..Math.Min(batch.X.Length, vectors * d)].ToArray();
        int p = u.Length / d;
        Report($"pairwise distances ({p}^2, with transfers)", (double)p * p, (double)p * p * 3 * d / ((double)p * p), 0, device, repeats,
            () => PairwiseDistances.SquaredEuclidean(accelerator, u, u, d));
        return 0;
    }

    /// <summary>A forward's potentials and the upstream gradients, uploaded once.</summary>
    private sealed record ResidentPotentials(ILGPU.ArrayView<float> F, ILGPU.ArrayView<float> G, ILGPU.ArrayView<float> GradOut);

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
        Console.WriteLine($"{kernel,-44} {best,9:F4} {pairs / best,12:N0} {flopRate / 1e9,9:F2} {expRate / 1e9,8:F3} {expPeak,10} {flopPeak,11}");
    }

    private static string Rate(double? value, double unit) => value is { } v ? $"{v / unit:F0}" : "n/a";
}
