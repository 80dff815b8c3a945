// The reverse pass at convergence of the batched point-cloud Sinkhorn, as an ILGPU kernel in
// C# (issue 15), the port of sinkhorn_clouds_backward in Kernels/sinkhorn.cl; the CPU twin is
// SinkhornBackward.WeightGradients and PositionGradients (envelope theorem; see
// Sinkhorn.Backward.cs for the equations and the second-order caveat). For upstream
// gradients gradOut [B] of the values:
//     dV/da = f - mean f,   dV/db = g - mean g,
//     dV/dx_i = 2 sum_j P_ij (x_i - y_j),   dV/dy_j = -2 sum_i P_ij (x_i - y_j),
//     P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps), in base 2: 2^(hA_i + hB_j - C_ij log2e / eps).
// Layout: one group per problem, points and scaled potentials in shared memory, a thread
// per row then per column. A point's moment sum_j P_oj q_j is accumulated in its own row of
// the output (global memory, no other thread touches it): a per-thread array of the
// dimension would sit in local memory, the spill the PTX test forbids.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;

namespace OtKernels.Autodiff.Entropic.Device;

/// <summary>The shapes and epsilon of a reverse launch.</summary>
internal readonly struct SinkhornBackwardParameters(int n, int m, float epsilon)
{
    public readonly int N = n, M = m;
    public readonly float Epsilon = epsilon;
}

internal static class SinkhornCloudsBackwardKernel
{
    private const float Log2E = 1.4426950408889634f;

    /// <summary>Shared floats per group: points (n + m) d, hA (n), hB (m), the reduction (group).</summary>
    public static int WorkFloats(int n, int m, int d, int group) => (n + m) * (d + 1) + group;

    /// <summary>Problem Grid.IdxX: the gradients of gradOut[k] V_k at the potentials f, g.</summary>
    public static void Gradients(SpecializedValue<int> dimension, ArrayView<float> x, ArrayView<float> y, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> f, ArrayView<float> g, SinkhornBackwardParameters p, ArrayView<float> gradOut,
        ArrayView<float> gradA, ArrayView<float> gradB, ArrayView<float> gradX, ArrayView<float> gradY)
    {
        int d = dimension, n = p.N, m = p.M;
        float eps = p.Epsilon;
        long k = Grid.IdxX;
        float go = gradOut[k], scale = Log2E / eps;
        ArrayView<float> work = SharedMemory.GetDynamic<float>();
        ArrayView<float> X = work.SubView(0, n * d), Y = work.SubView(n * d, m * d);
        ArrayView<float> hA = work.SubView((n + m) * d, n), hB = work.SubView((n + m) * d + n, m), red = work.SubView((n + m) * (d + 1), Group.DimX);
        for (int i = Group.IdxX; i < n * d; i += Group.DimX) X[i] = x[k * n * d + i];
        for (int j = Group.IdxX; j < m * d; j += Group.DimX) Y[j] = y[k * m * d + j];
        float meanF = 0, meanG = 0;
        for (int i = Group.IdxX; i < n; i += Group.DimX)
        {
            float ai = a[k * n + i], fi = f[k * n + i];
            hA[i] = ai > 0 ? (fi / eps + XMath.Log(ai)) * Log2E : float.NegativeInfinity;
            meanF += fi;
        }
        for (int j = Group.IdxX; j < m; j += Group.DimX)
        {
            float bj = b[k * m + j], gj = g[k * m + j];
            hB[j] = bj > 0 ? (gj / eps + XMath.Log(bj)) * Log2E : float.NegativeInfinity;
            meanG += gj;
        }
        meanF = GroupReduce.Sum(meanF, red) / n; // the sums' barriers also publish X, Y, hA, hB
        meanG = GroupReduce.Sum(meanG, red) / m;
        for (int i = Group.IdxX; i < n; i += Group.DimX)
        {
            gradA[k * n + i] = go * (f[k * n + i] - meanF);
            PositionGradient(i, hA, hB, m, X, Y, d, scale, go, gradX.SubView((k * n + i) * d, d));
        }
        for (int j = Group.IdxX; j < m; j += Group.DimX)
        {
            gradB[k * m + j] = go * (g[k * m + j] - meanG);
            PositionGradient(j, hB, hA, n, Y, X, d, scale, go, gradY.SubView((k * m + j) * d, d));
        }
    }

    /// <summary>dV/dp_o = 2 go (p_o sum_j P_oj - sum_j P_oj q_j) for point o of either side
    /// against the other side's points q (dC/dx = -dC/dy, so one form serves both);
    /// SinkhornBackward.PositionGradients' twin. output is o's row of the gradient.</summary>
    private static void PositionGradient(int o, ArrayView<float> hOwn, ArrayView<float> hOther, int otherCount,
        ArrayView<float> P, ArrayView<float> Q, int d, float scale, float go, ArrayView<float> output)
    {
        for (int c = 0; c < d; c++) output[c] = 0;
        float mass = 0;
        if (hOwn[o] != float.NegativeInfinity)
        {
            for (int j = 0; j < otherCount; j++)
            {
                float cost = 0;
                for (int c = 0; c < d; c++)
                {
                    float diff = P[o * d + c] - Q[j * d + c];
                    cost += diff * diff;
                }
                float p = XMath.Exp2(hOwn[o] + hOther[j] - cost * scale);
                mass += p;
                for (int c = 0; c < d; c++) output[c] += p * Q[j * d + c];
            }
        }
        for (int c = 0; c < d; c++) output[c] = 2 * go * (P[o * d + c] * mass - output[c]);
    }

    /// <summary>Runs the kernel for a forward result of the batch and waits.</summary>
    public static CloudGradients Run(ILGPU.Runtime.Accelerator accelerator, PointCloudBatch batch, SinkhornResult<float> forward, ReadOnlySpan<float> gradOut)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(forward);
        if (forward.Batch != batch.Batch || forward.N != batch.N || forward.M != batch.M)
            throw new ArgumentException($"The forward result is {forward.Batch} x {forward.N} x {forward.M}, the batch {batch.Batch} x {batch.N} x {batch.M}.", nameof(forward));
        if (gradOut.Length != batch.Batch) throw new ArgumentException($"gradOut has {gradOut.Length} entries for {batch.Batch} problems.", nameof(gradOut));
        int n = batch.N, m = batch.M, d = batch.Dimension;
        int group = SinkhornKernel.GroupSize(accelerator, n, m), work = WorkFloats(n, m, d, group);
        OtKernels.Accelerators.DeviceRuntime.RequireSharedMemory(accelerator, work, nameof(batch), $"Reverse passes of {n} x {m} points in R^{d}");
        var gradients = new CloudGradients(batch);
        using var inputs = new SinkhornKernel.ResidentBatch(accelerator, batch);
        using MemoryBuffer1D<float, Stride1D.Dense> f = accelerator.Allocate1D(forward.F), g = accelerator.Allocate1D(forward.G);
        using MemoryBuffer1D<float, Stride1D.Dense> up = accelerator.Allocate1D(gradOut.ToArray());
        using MemoryBuffer1D<float, Stride1D.Dense> ga = accelerator.Allocate1D<float>(gradients.A.Length), gb = accelerator.Allocate1D<float>(gradients.B.Length);
        using MemoryBuffer1D<float, Stride1D.Dense> gx = accelerator.Allocate1D<float>(gradients.X.Length), gy = accelerator.Allocate1D<float>(gradients.Y.Length);
        var kernel = accelerator.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, SinkhornBackwardParameters, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>>(Gradients);
        kernel(new KernelConfig(batch.Batch, group, SharedMemoryConfig.RequestDynamic<float>(work)), SpecializedValue.New(d),
            inputs.X.View, inputs.Y.View, inputs.A.View, inputs.B.View, f.View, g.View, new SinkhornBackwardParameters(n, m, (float)forward.Epsilon), up.View,
            ga.View, gb.View, gx.View, gy.View);
        accelerator.Synchronize();
        ga.CopyToCPU(gradients.A);
        gb.CopyToCPU(gradients.B);
        gx.CopyToCPU(gradients.X);
        gy.CopyToCPU(gradients.Y);
        return gradients;
    }
}
