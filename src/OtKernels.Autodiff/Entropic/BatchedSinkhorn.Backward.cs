// Reverse passes of BatchedSinkhorn on an accelerator: the CPU formulas of
// Sinkhorn.Backward.cs (converged, envelope theorem), Sinkhorn.Backward.Unrolled.cs (the
// exact gradient of L iterations) and SinkhornDivergence.Backward.cs, run per problem on a
// CpuAccelerator and by the reverse kernels of Accelerators/Kernels/sinkhorn.cl on a device.
// Each takes upstream gradients gradOut [batch] of the problems' values, so that one call
// returns the gradient of sum_k gradOut_k V_k (a loss over the batch).
using OtKernels.Accelerators;
using OtKernels.Entropic;

namespace OtKernels.Autodiff.Entropic;

/// <summary>Gradients of a point-cloud batch: A [batch, n] and B [batch, m] (each problem's
/// projected onto sum-zero vectors), X [batch, n, d], Y [batch, m, d].</summary>
public sealed class CloudGradients
{
    internal CloudGradients(PointCloudBatch batch)
    {
        A = new float[batch.Batch * batch.N];
        B = new float[batch.Batch * batch.M];
        X = new float[batch.Batch * batch.N * batch.Dimension];
        Y = new float[batch.Batch * batch.M * batch.Dimension];
    }

    public float[] A { get; }
    public float[] B { get; }
    public float[] X { get; }
    public float[] Y { get; }
}

public static class BatchedSinkhornBackward
{
    /// <summary>Converged mode: the gradient of sum_k gradOut_k OT_eps(a_k, b_k) at the
    /// potentials of <paramref name="result"/> (from BatchedSinkhorn.SolveClouds on this batch).</summary>
    public static CloudGradients Gradients(Accelerator accelerator, PointCloudBatch batch, SinkhornResult<float> result, ReadOnlySpan<float> gradOut)
    {
        Validate(accelerator, batch, gradOut);
        ThrowIfOtherShape(result, batch);
        var gradients = new CloudGradients(batch);
        if (accelerator is DeviceAccelerator device)
        {
            using DeviceCloudBatch resident = DeviceCloudBatch.Upload(device, batch);
            using DeviceBuffer<float> f = device.Upload<float>(result.F), g = device.Upload<float>(result.G);
            RunBackward(device, batch.Batch, batch.N, batch.M, batch.Dimension, resident.X, resident.Y, resident.A, resident.B, f, g,
                (float)result.Epsilon, gradOut, gradients.A, gradients.B, gradients.X, gradients.Y);
            return gradients;
        }
        float[] upstream = gradOut.ToArray();
        PerProblem(batch, gradients, (k, ga, gb, gx, gy) =>
        {
            SinkhornBackward.WeightGradients(result, k, ga, gb);
            SinkhornBackward.PositionGradients(result, k, batch.CostOf(k), gx, gy);
            return upstream[k];
        });
        return gradients;
    }

    /// <summary>Unrolled mode: runs exactly options.MaxIterations iterations (no epsilon
    /// scaling) and returns the values with the exact gradient of sum_k gradOut_k V_k through
    /// them. On a device the iterates stay in device memory: batch x L x (n + m) floats.</summary>
    public static (SinkhornResult<float> Result, CloudGradients Gradients) UnrolledValueAndGradients(Accelerator accelerator,
        PointCloudBatch batch, SinkhornOptions options, ReadOnlySpan<float> gradOut)
    {
        Validate(accelerator, batch, gradOut);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode != SinkhornMode.Unrolled || options.EpsilonScaling != 0)
            throw new ArgumentException("Unrolled gradients differentiate a run with Mode = Unrolled and EpsilonScaling = 0.", nameof(options));
        var gradients = new CloudGradients(batch);
        int n = batch.N, m = batch.M;
        var result = new SinkhornResult<float>(batch.Batch, n, m, options.Epsilon, batch.CostOf, batch.A.ToArray(), batch.B.ToArray());
        if (accelerator is DeviceAccelerator device)
        {
            using DeviceCloudBatch resident = DeviceCloudBatch.Upload(device, batch);
            using DeviceSinkhornRun run = DeviceSinkhornRun.Clouds(device, batch, resident, options, taped: true);
            using DeviceCloudGradients reverse = DeviceCloudGradients.Unrolled(device, batch, resident, run, options, gradOut);
            run.Download(result);
            reverse.Download(gradients.A, gradients.B, gradients.X, gradients.Y);
            return (result, gradients);
        }
        float[] scales = gradOut.ToArray();
        PerProblem(batch, gradients, (k, ga, gb, gx, gy) =>
        {
            var tape = new SinkhornTape<float>();
            var cost = batch.CostOf(k);
            SinkhornResult<float> one = Sinkhorn.Solve(cost, batch.A.Span.Slice(k * n, n), batch.B.Span.Slice(k * m, m), options, tape);
            one.F.CopyTo(result.F.AsSpan(k * n));
            one.G.CopyTo(result.G.AsSpan(k * m));
            (result.Value[k], result.MarginalError[k], result.Iterations[k], result.Status[k]) = (one.Value[0], one.MarginalError[0], one.Iterations[0], one.Status[0]);
            SinkhornBackward.UnrolledGradients(tape, cost, batch.A.Span.Slice(k * n, n), batch.B.Span.Slice(k * m, m), ga, gb, gx, gy);
            return scales[k];
        });
        return (result, gradients);
    }

    /// <summary>The gradient of sum_k gradOut_k S_eps(a_k, b_k) at convergence, from
    /// BatchedSinkhorn.DivergenceClouds on this batch.</summary>
    public static CloudGradients DivergenceGradients(Accelerator accelerator, PointCloudBatch batch, SinkhornDivergenceResult<float> result,
        ReadOnlySpan<float> gradOut)
    {
        Validate(accelerator, batch, gradOut);
        ArgumentNullException.ThrowIfNull(result);
        ThrowIfOtherShape(result.Cross, batch);
        var gradients = new CloudGradients(batch);
        if (accelerator is DeviceAccelerator device)
        {
            // S = OT(a, b) - OT(a, a)/2 - OT(b, b)/2; each self-term is a problem of the same
            // reverse kernel whose two sides are one cloud, so its two sides' gradients add.
            float eps = (float)result.Cross.Epsilon;
            int count = batch.Batch, n = batch.N, m = batch.M, d = batch.Dimension;
            using DeviceCloudBatch resident = DeviceCloudBatch.Upload(device, batch);
            using DeviceBuffer<float> f = device.Upload<float>(result.Cross.F), g = device.Upload<float>(result.Cross.G);
            using DeviceBuffer<float> fa = device.Upload<float>(result.FSelfA), fb = device.Upload<float>(result.FSelfB);
            RunBackward(device, count, n, m, d, resident.X, resident.Y, resident.A, resident.B, f, g, eps, gradOut,
                gradients.A, gradients.B, gradients.X, gradients.Y);
            var half = new float[count];
            for (int k = 0; k < count; k++) half[k] = -0.5f * gradOut[k];
            AddSelfTerm(device, count, n, d, resident.X, resident.A, fa, eps, half, gradients.A, gradients.X);
            AddSelfTerm(device, count, m, d, resident.Y, resident.B, fb, eps, half, gradients.B, gradients.Y);
            return gradients;
        }
        float[] upstream = gradOut.ToArray();
        PerProblem(batch, gradients, (k, ga, gb, gx, gy) =>
        {
            SinkhornDivergenceBackward.WeightGradients(result, k, ga, gb);
            SinkhornDivergenceBackward.PositionGradients(result, k, batch.CostOf(k), gx, gy);
            return upstream[k];
        });
        return gradients;
    }

    /// <summary>Adds the gradient of sum_k upstream_k OT(w_k, w_k) on clouds z_k: the reverse
    /// kernel on the problem (z, z, w, w, f, f) gives the two sides' gradients, which add.</summary>
    private static void AddSelfTerm(DeviceAccelerator device, int count, int n, int d, DeviceBuffer<float> z, DeviceBuffer<float> w,
        DeviceBuffer<float> f, float eps, float[] upstream, float[] gradW, float[] gradZ)
    {
        float[] w1 = new float[count * n], w2 = new float[count * n], z1 = new float[count * n * d], z2 = new float[count * n * d];
        RunBackward(device, count, n, n, d, z, z, w, w, f, f, eps, upstream, w1, w2, z1, z2);
        for (int i = 0; i < gradW.Length; i++) gradW[i] += w1[i] + w2[i];
        for (int i = 0; i < gradZ.Length; i++) gradZ[i] += z1[i] + z2[i];
    }

    private static void RunBackward(DeviceAccelerator device, int count, int n, int m, int d, DeviceBuffer<float> x, DeviceBuffer<float> y,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> f, DeviceBuffer<float> g, float eps, ReadOnlySpan<float> gradOut,
        float[] gradA, float[] gradB, float[] gradX, float[] gradY)
    {
        using DeviceCloudGradients reverse = DeviceCloudGradients.Converged(device, count, n, m, d, x, y, a, b, f, g, eps, gradOut);
        reverse.Download(gradA, gradB, gradX, gradY);
    }

    private static void Validate(Accelerator accelerator, PointCloudBatch batch, ReadOnlySpan<float> gradOut)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(batch);
        ThrowHelper.ThrowIfLengthMismatch(gradOut.Length, batch.Batch, nameof(gradOut), "one upstream gradient per problem");
        for (int k = 0; k < gradOut.Length; k++)
            if (!float.IsFinite(gradOut[k])) throw new ArgumentException($"gradOut[{k}] is {gradOut[k]}; upstream gradients must be finite.", nameof(gradOut));
    }

    /// <summary>A result of the batch's shape, or an exception naming both shapes.</summary>
    private static void ThrowIfOtherShape(SinkhornResult<float> result, PointCloudBatch batch)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Batch != batch.Batch || result.N != batch.N || result.M != batch.M)
            throw new ArgumentException($"The result is of {result.Batch} problems of {result.N} x {result.M}, the batch of {batch.Batch} of {batch.N} x {batch.M}.", nameof(result));
    }

    /// <summary>The CPU path: problem k's gradients of V_k in double by compute(k, ...),
    /// which returns gradOut_k; stored scaled, in float, problems in parallel.</summary>
    private static void PerProblem(PointCloudBatch batch, CloudGradients gradients,
        Func<int, double[], double[], double[], double[], float> compute)
    {
        int n = batch.N, m = batch.M, d = batch.Dimension;
        Parallel.For(0, batch.Batch, k =>
        {
            double[] ga = new double[n], gb = new double[m], gx = new double[n * d], gy = new double[m * d];
            float scale = compute(k, ga, gb, gx, gy);
            Store(ga, scale, gradients.A.AsSpan(k * n, n));
            Store(gb, scale, gradients.B.AsSpan(k * m, m));
            Store(gx, scale, gradients.X.AsSpan(k * n * d, n * d));
            Store(gy, scale, gradients.Y.AsSpan(k * m * d, m * d));
        });
    }

    private static void Store(double[] values, float scale, Span<float> destination)
    {
        for (int i = 0; i < values.Length; i++) destination[i] = (float)(scale * values[i]);
    }
}
