// Batched Sinkhorn on an accelerator: the same problems, options and result types as
// Sinkhorn.SolveBatch and SinkhornDivergence.SolveBatch, run by the CPU code on a
// CpuAccelerator and by the kernels of Accelerators/Kernels/sinkhorn.cl (float32, one
// work-group per problem) on an OpenCL or CUDA device.
using OtKernels.Accelerators;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

public static class BatchedSinkhorn
{
    /// <summary>Entropic OT between the point clouds of each problem of the batch.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Problems too large for the device's
    /// local memory, or a dimension above 64 on a device.</exception>
    public static SinkhornResult<float> SolveClouds(Accelerator accelerator, PointCloudBatch batch, SinkhornOptions options)
    {
        Validate(accelerator, batch, options);
        if (accelerator is not DeviceAccelerator device)
            return Sinkhorn.SolveBatch(batch.Batch, batch.CostOf, batch.A, batch.B, options);

        var result = new SinkhornResult<float>(batch.Batch, batch.N, batch.M, options.Epsilon, batch.CostOf, batch.A.ToArray(), batch.B.ToArray());
        using DeviceCloudBatch resident = DeviceCloudBatch.Upload(device, batch);
        using DeviceSinkhornRun run = DeviceSinkhornRun.Clouds(device, batch, resident, options, taped: false);
        run.Download(result);
        result.Certify(options);
        return result;
    }

    /// <summary>Sinkhorn divergences S_eps(a_k, b_k) of the batch; on a device, the three
    /// problems of each pair run in one launch.</summary>
    public static SinkhornDivergenceResult<float> DivergenceClouds(Accelerator accelerator, PointCloudBatch batch, SinkhornOptions options)
    {
        Validate(accelerator, batch, options);
        if (accelerator is not DeviceAccelerator device)
            return SinkhornDivergence.SolveBatch(batch.Batch, batch.CostOf, batch.A, batch.B, options);

        int count = batch.Batch;
        var cross = new SinkhornResult<float>(count, batch.N, batch.M, options.Epsilon, batch.CostOf, batch.A.ToArray(), batch.B.ToArray());
        var result = new SinkhornDivergenceResult<float>(cross, count);
        using DeviceCloudBatch resident = DeviceCloudBatch.Upload(device, batch);
        using DeviceSinkhornRun run = DeviceSinkhornRun.Divergence(device, batch, resident, options);
        run.Download(cross);
        cross.Certify(options);
        run.FSelfA!.Download(result.FSelfA);
        run.FSelfB!.Download(result.FSelfB);
        float[] s = run.Stats.ToArray();
        SinkhornKernels.Unpack(s, count, 3, 1, result.SelfValueA, result.SelfMarginalErrorA, default, result.SelfStatusA);
        SinkhornKernels.Unpack(s, count, 3, 2, result.SelfValueB, result.SelfMarginalErrorB, default, result.SelfStatusB);
        for (int k = 0; k < count; k++)
            result.Value[k] = cross.Value[k] - 0.5 * result.SelfValueA[k] - 0.5 * result.SelfValueB[k];
        return result;
    }

    /// <summary>Histograms on one support under a shared dense cost (MNIST's 784 pixels, say):
    /// problem k is a (one source, length n, against every target) or a[k n .. (k+1) n),
    /// against b[k m .. (k+1) m).</summary>
    public static SinkhornResult<float> SolveShared(Accelerator accelerator, DenseCost cost, ReadOnlyMemory<float> a, ReadOnlyMemory<float> b,
        SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = cost.Rows, m = cost.Cols;
        (int batch, bool sharedSource, float[] sources) = SharedShape(cost, a, b);
        if (accelerator is not DeviceAccelerator device)
            return Sinkhorn.SolveBatch(batch, _ => cost, sources, b, options);
        float[] targets = ScaledTargets(cost, sources, b, batch);
        var result = new SinkhornResult<float>(batch, n, m, options.Epsilon, _ => cost, sources, targets);
        using DeviceDenseCost shared = DeviceDenseCost.Upload(device, cost);
        using DeviceBuffer<float> da = device.Upload<float>(sharedSource ? a.Span : sources), db = device.Upload<float>(targets);
        using DeviceSinkhornRun run = DeviceSinkhornRun.Dense(device, batch, shared, n, m, da, sharedSource, db, options);
        run.Download(result);
        result.Certify(options);
        return result;
    }

    /// <summary>The batch of a shared-cost call, whether a is one source, and the sources as
    /// [batch, n] (the CPU path's input).</summary>
    internal static (int Batch, bool SharedSource, float[] Sources) SharedShape(DenseCost cost, ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
    {
        int n = cost.Rows, m = cost.Cols;
        if (b.Length == 0 || b.Length % m != 0)
            throw new ArgumentException($"b has length {b.Length}, not a positive multiple of the cost's {m} columns.", nameof(b));
        int batch = b.Length / m;
        bool sharedSource = a.Length == n;
        if (!sharedSource) ThrowHelper.ThrowIfLengthMismatch(a.Length, batch * n, nameof(a), $"{n} (one source) or {batch} x {n}");
        return (batch, sharedSource, sharedSource ? Repeat(a.Span, batch) : a.ToArray());
    }

    /// <summary>The targets validated against their sources and rescaled to their mass, as
    /// Sinkhorn.SolveBatch does before it solves (a device solves what the CPU would).</summary>
    internal static float[] ScaledTargets(DenseCost cost, float[] sources, ReadOnlyMemory<float> b, int batch)
    {
        int n = cost.Rows, m = cost.Cols;
        float[] targets = new float[b.Length];
        for (int k = 0; k < batch; k++)
        {
            b.Span.Slice(k * m, m).CopyTo(targets.AsSpan(k * m, m));
            double scale = Sinkhorn.ValidatedScale<float>(sources.AsSpan(k * n, n), targets.AsSpan(k * m, m), k, batch);
            for (int j = 0; j < m; j++) targets[k * m + j] = (float)(targets[k * m + j] * scale);
        }
        return targets;
    }

    private static void Validate(Accelerator accelerator, PointCloudBatch batch, SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
    }

    private static float[] Repeat(ReadOnlySpan<float> values, int times)
    {
        var repeated = new float[values.Length * times];
        for (int k = 0; k < times; k++) values.CopyTo(repeated.AsSpan(k * values.Length));
        return repeated;
    }
}
