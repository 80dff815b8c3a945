// The device-resident side of a batched Sinkhorn call: the buffers a forward launch writes
// (potentials, per-problem stats, optionally the tape of iterates or the divergence's
// self-term potentials) and those a reverse launch writes (the four gradients). The public
// operations upload, run and download through these; the kernel benchmarks run them alone,
// with the data already on the device.
using OtKernels.Entropic;

namespace OtKernels.Accelerators;

/// <summary>A forward launch's outputs in device memory.</summary>
internal sealed class DeviceSinkhornRun : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private DeviceSinkhornRun(DeviceAccelerator device, int count, int n, int m, int statsPerProblem)
    {
        F = Own(device.Allocate<float>((long)count * n));
        G = Own(device.Allocate<float>((long)count * m));
        Stats = Own(device.Allocate<float>((long)count * statsPerProblem * SinkhornKernels.Stats));
    }

    public DeviceBuffer<float> F { get; }
    public DeviceBuffer<float> G { get; }
    public DeviceBuffer<float> Stats { get; }
    public DeviceBuffer<float>? Tape { get; private set; }
    public DeviceBuffer<float>? FSelfA { get; private set; }
    public DeviceBuffer<float>? FSelfB { get; private set; }

    /// <summary>Sinkhorn on every problem of the resident batch; with taped, the iterates of an
    /// Unrolled run stay on the device for its reverse pass.</summary>
    public static DeviceSinkhornRun Clouds(DeviceAccelerator device, PointCloudBatch batch, DeviceCloudBatch resident, SinkhornOptions options, bool taped)
    {
        var run = new DeviceSinkhornRun(device, batch.Batch, batch.N, batch.M, 1);
        try
        {
            if (taped) run.Tape = run.Own(device.Allocate<float>(checked((long)batch.Batch * options.MaxIterations * (batch.N + batch.M))));
            SinkhornKernels.Clouds(device, batch.Batch, batch.N, batch.M, batch.Dimension, resident.X, resident.Y, resident.A, resident.B,
                options, run.F, run.G, run.Stats, run.Tape);
            return run;
        }
        catch { run.Dispose(); throw; }
    }

    /// <summary>The three problems of every pair's Sinkhorn divergence; Stats is [batch, 3, 4].</summary>
    public static DeviceSinkhornRun Divergence(DeviceAccelerator device, PointCloudBatch batch, DeviceCloudBatch resident, SinkhornOptions options)
    {
        var run = new DeviceSinkhornRun(device, batch.Batch, batch.N, batch.M, 3);
        try
        {
            run.FSelfA = run.Own(device.Allocate<float>((long)batch.Batch * batch.N));
            run.FSelfB = run.Own(device.Allocate<float>((long)batch.Batch * batch.M));
            SinkhornKernels.Divergence(device, batch.Batch, batch.N, batch.M, batch.Dimension, resident.X, resident.Y, resident.A, resident.B,
                options, run.F, run.G, run.FSelfA, run.FSelfB, run.Stats);
            return run;
        }
        catch { run.Dispose(); throw; }
    }

    /// <summary>count histograms against one shared dense cost: source a (one shared, or one
    /// per problem) against b [count, m].</summary>
    public static DeviceSinkhornRun Dense(DeviceAccelerator device, int count, DeviceDenseCost cost, int n, int m, DeviceBuffer<float> a, bool sharedSource,
        DeviceBuffer<float> b, SinkhornOptions options)
    {
        var run = new DeviceSinkhornRun(device, count, n, m, 1);
        try
        {
            SinkhornKernels.Dense(device, count, n, m, cost, a, sharedSource, b, options, run.F, run.G, run.Stats);
            return run;
        }
        catch { run.Dispose(); throw; }
    }

    /// <summary>Potentials, values, errors, iterations and statuses into result (for a
    /// divergence run, its cross problem's).</summary>
    public void Download(SinkhornResult<float> result)
    {
        F.Download(result.F);
        G.Download(result.G);
        int stride = FSelfA is null ? 1 : 3;
        SinkhornKernels.Unpack(Stats.ToArray(), result.Batch, stride, 0, result.Value, result.MarginalError, result.Iterations, result.Status);
    }

    private DeviceBuffer<float> Own(DeviceBuffer<float> buffer)
    {
        _owned.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (IDisposable buffer in _owned) buffer.Dispose();
    }
}

/// <summary>A reverse launch's outputs in device memory: gradients for a [batch, n], b
/// [batch, m], x [batch, n, d] and y [batch, m, d].</summary>
internal sealed class DeviceCloudGradients : IDisposable
{
    private readonly DeviceBuffer<float> _upstream;

    private DeviceCloudGradients(DeviceAccelerator device, int count, int n, int m, int d, ReadOnlySpan<float> gradOut)
    {
        _upstream = device.Upload(gradOut);
        try
        {
            A = device.Allocate<float>((long)count * n);
            B = device.Allocate<float>((long)count * m);
            X = device.Allocate<float>((long)count * n * d);
            Y = device.Allocate<float>((long)count * m * d);
        }
        catch { Dispose(); throw; }
    }

    public DeviceBuffer<float> A { get; } = null!;
    public DeviceBuffer<float> B { get; } = null!;
    public DeviceBuffer<float> X { get; } = null!;
    public DeviceBuffer<float> Y { get; } = null!;

    /// <summary>The envelope gradients of count problems n x m with potentials f, g on the
    /// device (clouds x, y, weights a, b).</summary>
    public static DeviceCloudGradients Converged(DeviceAccelerator device, int count, int n, int m, int d, DeviceBuffer<float> x, DeviceBuffer<float> y,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> f, DeviceBuffer<float> g, float epsilon, ReadOnlySpan<float> gradOut)
    {
        var gradients = new DeviceCloudGradients(device, count, n, m, d, gradOut);
        try
        {
            SinkhornKernels.Backward(device, count, n, m, d, x, y, a, b, f, g, epsilon, gradients._upstream,
                gradients.A, gradients.B, gradients.X, gradients.Y);
            return gradients;
        }
        catch { gradients.Dispose(); throw; }
    }

    /// <summary>The exact gradients of a taped Unrolled run.</summary>
    public static DeviceCloudGradients Unrolled(DeviceAccelerator device, PointCloudBatch batch, DeviceCloudBatch resident, DeviceSinkhornRun run,
        SinkhornOptions options, ReadOnlySpan<float> gradOut)
    {
        var gradients = new DeviceCloudGradients(device, batch.Batch, batch.N, batch.M, batch.Dimension, gradOut);
        try
        {
            SinkhornKernels.BackwardUnrolled(device, batch.Batch, batch.N, batch.M, batch.Dimension, resident.X, resident.Y, resident.A, resident.B,
                run.Tape ?? throw new ArgumentException("The run kept no tape.", nameof(run)), run.Stats, options.MaxIterations, (float)options.Epsilon,
                gradients._upstream, gradients.A, gradients.B, gradients.X, gradients.Y);
            return gradients;
        }
        catch { gradients.Dispose(); throw; }
    }

    public void Download(Span<float> a, Span<float> b, Span<float> x, Span<float> y)
    {
        A.Download(a);
        B.Download(b);
        X.Download(x);
        Y.Download(y);
    }

    public void Dispose()
    {
        _upstream.Dispose();
        A?.Dispose();
        B?.Dispose();
        X?.Dispose();
        Y?.Dispose();
    }
}
