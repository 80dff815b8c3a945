// Host side of Kernels/sinkhorn.cl and Kernels/distances.cl: work-group sizes, local-memory
// budgets and launches over device-resident buffers. The public operations
// (BatchedSinkhorn, its reverse passes, PairwiseDistances) and the kernel benchmarks call
// these; the local-memory counts mirror the layouts in the kernel source.
using OtKernels.Entropic;

namespace OtKernels.Accelerators;

internal static class SinkhornKernels
{
    public const string Family = "sinkhorn.cl";
    public const int Stats = 4; // per problem: value, marginal error, iterations, status

    /// <summary>The largest point dimension the kernels are compiled for (registers hold a
    /// point's accumulators in the reverse pass).</summary>
    public const int MaxDimension = 64;

    /// <summary>One work-item per row or column up to the device's limit, in whole warps.</summary>
    public static int GroupSize(DeviceAccelerator device, int n, int m) =>
        Math.Min(device.MaxGroupSize, Math.Max(32, (Math.Max(n, m) + 31) / 32 * 32));

    public static string Defines(int dimension)
    {
        if (dimension < 1 || dimension > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"The device kernels take point dimensions 1..{MaxDimension}.");
        return $"#define DIM {dimension}\n";
    }

    /// <summary>Local floats of solve() in sinkhorn.cl beyond the points: f, fNew, fNext, logA
    /// (n each), g, gNew, gNext, logB (m each), h (max(n, m)) and the reduction (group).</summary>
    private static int SolveWork(int n, int m, int group) => 4 * n + 4 * m + Math.Max(n, m) + group;

    public static int ForwardLocalBytes(int n, int m, int d, int group) => 4 * ((n + m) * d + SolveWork(n, m, group));

    /// <summary>The divergence launch serves three layouts per pair: the cross problem
    /// (both clouds) and each self-term (one cloud, stored once, solved n x n or m x m);
    /// the largest decides. A self-term on the bigger cloud can outgrow the cross problem
    /// (n = 1, m = 32, d = 1, groups of 32: 1,408 bytes against 916).</summary>
    public static int DivergenceLocalBytes(int n, int m, int d, int group) =>
        Math.Max(ForwardLocalBytes(n, m, d, group), 4 * (Math.Max(n, m) * d + SolveWork(Math.Max(n, m), Math.Max(n, m), group)));

    public static void Clouds(DeviceAccelerator device, int batch, int n, int m, int d, DeviceBuffer<float> x, DeviceBuffer<float> y,
        DeviceBuffer<float> a, DeviceBuffer<float> b, SinkhornOptions options,
        DeviceBuffer<float> f, DeviceBuffer<float> g, DeviceBuffer<float> stats, DeviceBuffer<float>? tape)
    {
        int group = GroupSize(device, n, m);
        device.Launch(device.Kernel(Family, "sinkhorn_clouds", Defines(d)), batch, group, ForwardLocalBytes(n, m, d, group),
            KernelArg.Of(x), KernelArg.Of(y), KernelArg.Of(a), KernelArg.Of(b), n, m, (float)options.Epsilon, (float)options.EpsilonScaling,
            options.MaxIterations, (float)options.Tolerance, options.CheckEvery, options.Mode == SinkhornMode.Unrolled ? 1 : 0,
            (float)options.OverRelaxation, KernelArg.Of(f), KernelArg.Of(g), KernelArg.Of(stats), KernelArg.Of(tape));
    }

    public static void Divergence(DeviceAccelerator device, int batch, int n, int m, int d, DeviceBuffer<float> x, DeviceBuffer<float> y,
        DeviceBuffer<float> a, DeviceBuffer<float> b, SinkhornOptions options,
        DeviceBuffer<float> f, DeviceBuffer<float> g, DeviceBuffer<float> fSelfA, DeviceBuffer<float> fSelfB, DeviceBuffer<float> stats)
    {
        int group = GroupSize(device, n, m);
        device.Launch(device.Kernel(Family, "sinkhorn_divergence_clouds", Defines(d)), checked(3 * batch), group, DivergenceLocalBytes(n, m, d, group),
            KernelArg.Of(x), KernelArg.Of(y), KernelArg.Of(a), KernelArg.Of(b), n, m, (float)options.Epsilon, (float)options.EpsilonScaling,
            options.MaxIterations, (float)options.Tolerance, options.CheckEvery, (float)options.OverRelaxation,
            KernelArg.Of(f), KernelArg.Of(g), KernelArg.Of(fSelfA), KernelArg.Of(fSelfB), KernelArg.Of(stats));
    }

    public static void Dense(DeviceAccelerator device, int batch, int n, int m, DeviceDenseCost cost,
        DeviceBuffer<float> a, bool sharedSource, DeviceBuffer<float> b, SinkhornOptions options,
        DeviceBuffer<float> f, DeviceBuffer<float> g, DeviceBuffer<float> stats)
    {
        int group = GroupSize(device, n, m);
        device.Launch(device.Kernel(Family, "sinkhorn_dense"), batch, group, 4 * SolveWork(n, m, group),
            KernelArg.Of(cost.Cost), KernelArg.Of(cost.Transposed), KernelArg.Of(a), sharedSource ? 0 : n, KernelArg.Of(b), n, m,
            (float)options.Epsilon, (float)options.EpsilonScaling, options.MaxIterations, (float)options.Tolerance, options.CheckEvery,
            options.Mode == SinkhornMode.Unrolled ? 1 : 0, (float)options.OverRelaxation,
            KernelArg.Of(f), KernelArg.Of(g), KernelArg.Of(stats), KernelArg.Of<float>(null));
    }

    public static void Backward(DeviceAccelerator device, int batch, int n, int m, int d, DeviceBuffer<float> x, DeviceBuffer<float> y,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> f, DeviceBuffer<float> g, float epsilon, DeviceBuffer<float> gradOut,
        DeviceBuffer<float> gradA, DeviceBuffer<float> gradB, DeviceBuffer<float> gradX, DeviceBuffer<float> gradY)
    {
        int group = GroupSize(device, n, m);
        device.Launch(device.Kernel(Family, "sinkhorn_clouds_backward", Defines(d)), batch, group, 4 * ((n + m) * (d + 1) + group),
            KernelArg.Of(x), KernelArg.Of(y), KernelArg.Of(a), KernelArg.Of(b), KernelArg.Of(f), KernelArg.Of(g), n, m, epsilon,
            KernelArg.Of(gradOut), KernelArg.Of(gradA), KernelArg.Of(gradB), KernelArg.Of(gradX), KernelArg.Of(gradY));
    }

    public static void BackwardUnrolled(DeviceAccelerator device, int batch, int n, int m, int d, DeviceBuffer<float> x, DeviceBuffer<float> y,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> tape, DeviceBuffer<float> stats, int maxIterations, float epsilon,
        DeviceBuffer<float> gradOut, DeviceBuffer<float> gradA, DeviceBuffer<float> gradB, DeviceBuffer<float> gradX, DeviceBuffer<float> gradY)
    {
        int group = GroupSize(device, n, m);
        device.Launch(device.Kernel(Family, "sinkhorn_clouds_backward_unrolled", Defines(d)), batch, group, 4 * ((n + m) * d + 4 * n + 6 * m + group),
            KernelArg.Of(x), KernelArg.Of(y), KernelArg.Of(a), KernelArg.Of(b), KernelArg.Of(tape), KernelArg.Of(stats), maxIterations, n, m, epsilon,
            KernelArg.Of(gradOut), KernelArg.Of(gradA), KernelArg.Of(gradB), KernelArg.Of(gradX), KernelArg.Of(gradY));
    }

    public static void BarycenterStep(DeviceAccelerator device, int count, int n, int m, DeviceDenseCost cost,
        DeviceBuffer<float> a, float epsilon, bool first, DeviceBuffer<float> logBar, DeviceBuffer<float> g, DeviceBuffer<float> f, DeviceBuffer<float> logKu)
    {
        device.Launch(device.Kernel(Family, "barycenter_step"), count, GroupSize(device, n, m), 4 * 2 * Math.Max(n, m),
            KernelArg.Of(cost.Cost), KernelArg.Of(cost.Transposed), KernelArg.Of(a), n, m, epsilon, first ? 1 : 0,
            KernelArg.Of(logBar), KernelArg.Of(g), KernelArg.Of(f), KernelArg.Of(logKu));
    }

    public static void BarycenterMean(DeviceAccelerator device, int count, int m, DeviceBuffer<float> logKu, DeviceBuffer<float> g,
        DeviceBuffer<float> lambda, DeviceBuffer<float> logBar, DeviceBuffer<float>? spread)
    {
        int group = Math.Min(256, device.MaxGroupSize);
        device.Launch(device.Kernel(Family, "barycenter_mean"), (m + group - 1) / group, group, 0,
            KernelArg.Of(logKu), KernelArg.Of(g), KernelArg.Of(lambda), count, m, KernelArg.Of(logBar), KernelArg.Of(spread));
    }

    public static void PairwiseSquaredDistances(DeviceAccelerator device, DeviceBuffer<float> u, DeviceBuffer<float> v, int p, int q, int d,
        DeviceBuffer<float> distances)
    {
        int tilesP = (p + 15) / 16, tilesQ = (q + 15) / 16;
        device.Launch(device.Kernel("distances.cl", "pairwise_squared_distances"), checked(tilesP * tilesQ), 256, 4 * 2 * 16 * 17,
            KernelArg.Of(u), KernelArg.Of(v), p, q, d, tilesQ, KernelArg.Of(distances));
    }

    /// <summary>Copies the per-problem stats into a result's value, error, iterations, status.</summary>
    public static void Unpack(ReadOnlySpan<float> stats, int problems, int stride, int offset,
        Span<double> value, Span<double> error, Span<int> iterations, Span<SinkhornStatus> status)
    {
        for (int k = 0; k < problems; k++)
        {
            ReadOnlySpan<float> s = stats.Slice((k * stride + offset) * Stats, Stats);
            value[k] = s[0];
            error[k] = s[1];
            if (!iterations.IsEmpty) iterations[k] = (int)s[2];
            status[k] = (SinkhornStatus)(int)s[3];
        }
    }
}
