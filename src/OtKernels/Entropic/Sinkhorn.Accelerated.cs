// Batched Sinkhorn on an accelerator: the same problems, options and result types as the
// CPU overloads, run by the CPU code on a CpuAccelerator and by the kernels of
// Device/SinkhornKernel.cs (float32, one group per problem) on a DeviceAccelerator. The
// device path validates and rescales the masses as the CPU path does (unbalanced: validates
// and keeps them), so both solve the same problems; its statuses are certified by the CPU's
// rule (SinkhornResult.Certify).
using OtKernels.Accelerators;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

/// <summary>Entropic optimal transport by Sinkhorn's algorithm in the log domain: single problems and batches, float or double, on dense costs, point clouds and image grids, and point-cloud batches on an accelerator. The reverse passes are in OtKernels.Autodiff (SinkhornBackward).</summary>
public static partial class Sinkhorn
{
    /// <summary>Entropic OT between the point clouds of each problem of the batch, on the CPU.</summary>
    public static SinkhornResult<float> SolveBatch(PointCloudBatch batch, SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        batch.ThrowIfSolvedBalanced(options);
        return SolveBatch(batch.A, batch.B, batch.CostOf, options);
    }

    /// <summary>Entropic OT between the point clouds of each problem of the batch.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On a device, problems too large for its
    /// shared memory per group.</exception>
    /// <exception cref="AcceleratorException">The device failed (out of memory, launch failure).</exception>
    public static SinkhornResult<float> SolveBatch(Accelerator accelerator, PointCloudBatch batch, SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        batch.ThrowIfSolvedBalanced(options);
        return accelerator.Run("Sinkhorn.SolveBatch (SinkhornKernel.Clouds)",
            () => SolveBatch(batch, options),
            device => SinkhornKernel.Solve(device, batch, options));
    }

    /// <summary>Histograms on one support under a shared dense cost (MNIST's 784 pixels, say):
    /// problem k is a (one source, length n, against every target) or a[k n .. (k+1) n),
    /// against b[k m .. (k+1) m). On a device, one copy of the cost serves every problem.</summary>
    public static SinkhornResult<float> SolveBatch(Accelerator accelerator, ReadOnlyMemory<float> a, ReadOnlyMemory<float> b, DenseCost cost,
        SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (int count, bool sharedSource, float[] sources) = SharedShape(cost, a, b);
        return accelerator.Run("Sinkhorn.SolveBatch (SinkhornKernel.Dense)",
            () => SolveBatch<float>(sources, b, cost, options),
            device => SinkhornKernel.SolveShared(device, cost, sources, sharedSource, ScaledTargets(cost, sources, b, count, options), count, options));
    }

    /// <summary>The batch of a shared-cost call, whether a is one source, and the sources as
    /// [batch, n] (the CPU path's input).</summary>
    private static (int Batch, bool SharedSource, float[] Sources) SharedShape(DenseCost cost, ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
    {
        int n = cost.Rows, m = cost.Cols;
        if (b.Length == 0 || b.Length % m != 0)
            throw new ArgumentException($"b has length {b.Length}, not a positive multiple of the cost's {m} columns.", nameof(b));
        int batch = b.Length / m;
        bool sharedSource = a.Length == n;
        if (!sharedSource) ThrowHelper.ThrowIfLengthMismatch(a.Length, batch * n, nameof(a), $"{n} (one source) or {batch} x {n}");
        if (!sharedSource) return (batch, false, a.ToArray());
        var repeated = new float[batch * n];
        for (int k = 0; k < batch; k++) a.Span.CopyTo(repeated.AsSpan(k * n));
        return (batch, true, repeated);
    }

    /// <summary>The targets validated against their sources and rescaled to their mass, as
    /// SolveBatch does before it solves (a device solves what the CPU would); unbalanced,
    /// validated and kept as given.</summary>
    private static float[] ScaledTargets(DenseCost cost, float[] sources, ReadOnlyMemory<float> b, int batch, SinkhornOptions options)
    {
        int n = cost.Rows, m = cost.Cols;
        float[] targets = new float[b.Length];
        for (int k = 0; k < batch; k++)
        {
            b.Span.Slice(k * m, m).CopyTo(targets.AsSpan(k * m, m));
            if (options.Unbalanced)
            {
                ValidateUnbalanced<float>(sources.AsSpan(k * n, n), targets.AsSpan(k * m, m), k, batch);
                continue;
            }
            double scale = ValidatedScale<float>(sources.AsSpan(k * n, n), targets.AsSpan(k * m, m), k, batch);
            for (int j = 0; j < m; j++) targets[k * m + j] = (float)(targets[k * m + j] * scale);
        }
        return targets;
    }
}
