// The reverse pass at convergence of the batched point-cloud Sinkhorn, as an ILGPU kernel in
// C#, run by SinkhornBackward.Gradients and SinkhornDivergenceBackward.Gradients on a
// DeviceAccelerator; the CPU twin is
// SinkhornBackward.WeightGradients and PositionGradients (envelope theorem; see
// Sinkhorn.Backward.cs for the equations and the second-order caveat). For upstream
// gradients gradOut [B] of the values:
//     dV/da = f - mean f,   dV/db = g - mean g,
//     dV/dx_i = sum_j P_ij s_ij (x_i - y_j),   dV/dy_j = -sum_i P_ij s_ij (x_i - y_j),
// with s_ij = 2 for the squared cost and 1/|x_i - y_j| for the Euclidean one (CloudCostView.Slope),
//     P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps), in base 2: 2^(hA_i + hB_j - C_ij log2e / eps).
// Layout: one team per problem (SinkhornKernel's Packing: several problems per group), points
// and scaled potentials in the team's shared memory, a thread per row then per column. A point's moment sum_j P_oj q_j is accumulated in its own row of
// the output (global memory, no other thread touches it): a per-thread array of the
// dimension would sit in local memory, the spill the PTX test forbids.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic.Device;

/// <summary>The shapes and epsilon of a reverse launch.</summary>
internal readonly struct SinkhornBackwardParameters(int n, int m, float epsilon, int problems, int teamSize, GroundMetric metric,
    float inverseRho = 0)
{
    public readonly int N = n, M = m, Problems = problems, TeamSize = teamSize;
    public readonly float Epsilon = epsilon;
    /// <summary>1 / rho of an unbalanced run, 0 when balanced (the unrolled pass's damping).</summary>
    public readonly float InverseRho = inverseRho;
    /// <summary>1 for the Euclidean cost |x - y|, 0 for |x - y|^2 (CloudCostView).</summary>
    public readonly int Root = metric == GroundMetric.Euclidean ? 1 : 0;
}

internal static class SinkhornCloudsBackwardKernel
{
    private const float Log2E = 1.4426950408889634f;

    /// <summary>Shared floats per team: points (n + m) d, hA (n), hB (m), the reduction (team).</summary>
    public static int WorkFloats(int n, int m, int d, int team) => (n + m) * (d + 1) + team;

    /// <summary>Problem k = Grid.IdxX x (teams per group) + team (SinkhornKernel.Clouds'
    /// packing): the gradients of gradOut[k] V_k at the potentials f, g.</summary>
    public static void Gradients(SpecializedValue<int> dimension, ArrayView<float> x, ArrayView<float> y, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> f, ArrayView<float> g, SinkhornBackwardParameters p, ArrayView<float> gradOut,
        ArrayView<float> gradA, ArrayView<float> gradB, ArrayView<float> gradX, ArrayView<float> gradY)
    {
        int d = dimension, n = p.N, m = p.M;
        float eps = p.Epsilon;
        var team = Team.OfSize(p.TeamSize);
        long problem = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = problem < p.Problems;
        long k = valid ? problem : p.Problems - 1; // a team past the batch reads the last problem and writes nothing
        float go = gradOut[k], scale = Log2E / eps;
        int teamFloats = WorkFloats(n, m, d, team.Size);
        ArrayView<float> work = SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats);
        ArrayView<float> X = work.SubView(0, n * d), Y = work.SubView(n * d, m * d);
        ArrayView<float> hA = work.SubView((n + m) * d, n), hB = work.SubView((n + m) * d + n, m), red = work.SubView((n + m) * (d + 1), team.Size);
        for (int i = team.Lane; i < n * d; i += team.Size) X[i] = x[k * n * d + i];
        for (int j = team.Lane; j < m * d; j += team.Size) Y[j] = y[k * m * d + j];
        float meanF = 0, meanG = 0;
        for (int i = team.Lane; i < n; i += team.Size)
        {
            float ai = a[k * n + i], fi = f[k * n + i];
            hA[i] = ai > 0 ? (fi / eps + XMath.Log(ai)) * Log2E : float.NegativeInfinity;
            meanF += fi;
        }
        for (int j = team.Lane; j < m; j += team.Size)
        {
            float bj = b[k * m + j], gj = g[k * m + j];
            hB[j] = bj > 0 ? (gj / eps + XMath.Log(bj)) * Log2E : float.NegativeInfinity;
            meanG += gj;
        }
        meanF = GroupReduce.Sum(meanF, red, team) / n; // the sums' barriers also publish X, Y, hA, hB
        meanG = GroupReduce.Sum(meanG, red, team) / m;
        if (!valid) return;
        for (int i = team.Lane; i < n; i += team.Size)
        {
            gradA[k * n + i] = go * (f[k * n + i] - meanF);
            PositionGradient(i, hA, hB, m, new CloudCostView(X, Y, d, p.Root != 0), X, Y, d, scale, go, gradX.SubView((k * n + i) * d, d));
        }
        for (int j = team.Lane; j < m; j += team.Size)
        {
            gradB[k * m + j] = go * (g[k * m + j] - meanG);
            PositionGradient(j, hB, hA, n, new CloudCostView(Y, X, d, p.Root != 0), Y, X, d, scale, go, gradY.SubView((k * m + j) * d, d));
        }
    }

    /// <summary>dV/dp_o = go sum_j P_oj s_oj (p_o - q_j) for point o of either
    /// side against the other side's points q, cost C(o, j) = |p_o - q_j|^2 or |p_o - q_j| with
    /// its slope s (dC/dx = -dC/dy, so one form serves both); SinkhornBackward.PositionGradients'
    /// twin. output is o's row of the gradient.</summary>
    private static void PositionGradient(int o, ArrayView<float> hOwn, ArrayView<float> hOther, int otherCount, CloudCostView cost,
        ArrayView<float> P, ArrayView<float> Q, int d, float scale, float go, ArrayView<float> output)
    {
        for (int c = 0; c < d; c++) output[c] = 0;
        if (hOwn[o] != float.NegativeInfinity)
        {
            for (int j = 0; j < otherCount; j++)
            {
                float between = cost.ForColumn(o, j);
                float w = XMath.Exp2(hOwn[o] + hOther[j] - between * scale) * cost.Slope(between);
                // w (p - q) term by term, not p sum w - sum w q: under |x - y| the slope
                // 1/|p - q| of a near pair makes w large, and the difference of the two sums
                // lost its term to cancellation (seen: 1.5e-4 relative, d = 1).
                for (int c = 0; c < d; c++) output[c] += w * (P[o * d + c] - Q[j * d + c]);
            }
        }
        for (int c = 0; c < d; c++) output[c] *= go;
    }

    /// <summary>The gradients of sum_k gradOut_k OT_eps(a_k, b_k) at the potentials of a
    /// forward result of the batch.</summary>
    public static CloudGradients Run(DeviceAccelerator device, PointCloudBatch batch, SinkhornResult<float> forward, float[] gradOut)
    {
        using DeviceBuffers buffers = device.Buffers();
        SinkhornKernel.ResidentBatch inputs = SinkhornKernel.ResidentBatch.Upload(buffers, batch);
        var f = buffers.Upload(forward.F, "f").View;
        var g = buffers.Upload(forward.G, "g").View;
        var up = buffers.Upload(gradOut, "gradOut").View;
        Outputs cross = Launch(device, buffers, batch, batch.N, batch.M, new(inputs.X, inputs.Y, inputs.A, inputs.B, f, g), (float)forward.Epsilon, up);
        var gradients = new CloudGradients(batch);
        cross.Download(gradients.A, gradients.B, gradients.X, gradients.Y);
        return gradients;
    }

    /// <summary>The gradients of sum_k gradOut_k S_eps(a_k, b_k) at the potentials of a
    /// divergence result: S = OT(a, b) - OT(a, a)/2 - OT(b, b)/2, each self-term a problem of
    /// the same kernel whose two sides are one cloud, so that its two sides' gradients add.</summary>
    public static CloudGradients RunDivergence(DeviceAccelerator device, PointCloudBatch batch, SinkhornDivergenceResult<float> forward, float[] gradOut)
    {
        int n = batch.N, m = batch.M, count = batch.Batch;
        float eps = (float)forward.Cross.Epsilon;
        var half = Array.ConvertAll(gradOut, v => -0.5f * v);
        using DeviceBuffers buffers = device.Buffers();
        SinkhornKernel.ResidentBatch inputs = SinkhornKernel.ResidentBatch.Upload(buffers, batch);
        var f = buffers.Upload(forward.Cross.F, "f").View;
        var g = buffers.Upload(forward.Cross.G, "g").View;
        var fa = buffers.Upload(forward.FSelfA, "the self-term potentials of a").View;
        var fb = buffers.Upload(forward.FSelfB, "the self-term potentials of b").View;
        var up = buffers.Upload(gradOut, "gradOut").View;
        var upHalf = buffers.Upload(half, "-gradOut / 2").View;
        Outputs cross = Launch(device, buffers, batch, n, m, new(inputs.X, inputs.Y, inputs.A, inputs.B, f, g), eps, up);
        Outputs selfA = Launch(device, buffers, batch, n, n, new(inputs.X, inputs.X, inputs.A, inputs.A, fa, fa), eps, upHalf);
        Outputs selfB = Launch(device, buffers, batch, m, m, new(inputs.Y, inputs.Y, inputs.B, inputs.B, fb, fb), eps, upHalf);
        var gradients = new CloudGradients(batch);
        cross.Download(gradients.A, gradients.B, gradients.X, gradients.Y);
        int d = batch.Dimension;
        float[] w1 = new float[count * n], w2 = new float[count * n], z1 = new float[count * n * d], z2 = new float[count * n * d];
        selfA.Download(w1, w2, z1, z2);
        Add(gradients.A, w1, w2);
        Add(gradients.X, z1, z2);
        w1 = new float[count * m]; w2 = new float[count * m]; z1 = new float[count * m * d]; z2 = new float[count * m * d];
        selfB.Download(w1, w2, z1, z2);
        Add(gradients.B, w1, w2);
        Add(gradients.Y, z1, z2);
        return gradients;
    }

    /// <summary>One reverse problem per team on the device: points, weights and potentials.</summary>
    internal readonly record struct Problem(ArrayView<float> X, ArrayView<float> Y, ArrayView<float> A, ArrayView<float> B,
        ArrayView<float> F, ArrayView<float> G);

    /// <summary>The gradient buffers of one launch: A [B, n], B [B, m], X [B, n, d], Y [B, m, d].</summary>
    internal readonly record struct Outputs(MemoryBuffer1D<float, Stride1D.Dense> A, MemoryBuffer1D<float, Stride1D.Dense> B,
        MemoryBuffer1D<float, Stride1D.Dense> X, MemoryBuffer1D<float, Stride1D.Dense> Y)
    {
        public static Outputs Allocate(DeviceBuffers buffers, int count, int n, int m, int d) => new(
            buffers.Allocate((long)count * n, "the gradient of a"), buffers.Allocate((long)count * m, "the gradient of b"),
            buffers.Allocate((long)count * n * d, "the gradient of x"), buffers.Allocate((long)count * m * d, "the gradient of y"));

        /// <summary>Waits for the launch and copies the gradients out.</summary>
        public void Download(float[] a, float[] b, float[] x, float[] y)
        {
            A.CopyToCPU(a); // synchronises
            B.CopyToCPU(b);
            X.CopyToCPU(x);
            Y.CopyToCPU(y);
        }
    }

    /// <summary>Launches the kernel on problems of n x m points already on the device.</summary>
    internal static Outputs Launch(DeviceAccelerator device, DeviceBuffers buffers, PointCloudBatch batch, int n, int m, Problem problem,
        float eps, ArrayView<float> gradOut)
    {
        int d = batch.Dimension;
        Packing pack = Packing.For(device, batch.Batch, n, m, team => WorkFloats(n, m, d, team), nameof(batch), $"Reverse passes of {n} x {m} points in R^{d}");
        Outputs outputs = Outputs.Allocate(buffers, batch.Batch, n, m, d);
        var kernel = device.Device.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, SinkhornBackwardParameters, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>>(Gradients);
        kernel(pack.Config(WorkFloats(n, m, d, pack.TeamSize)), SpecializedValue.New(d),
            problem.X, problem.Y, problem.A, problem.B, problem.F, problem.G, new SinkhornBackwardParameters(n, m, eps, batch.Batch, pack.TeamSize, batch.Metric), gradOut,
            outputs.A.View, outputs.B.View, outputs.X.View, outputs.Y.View);
        return outputs;
    }

    private static void Add(float[] into, float[] first, float[] second)
    {
        for (int i = 0; i < into.Length; i++) into[i] += first[i] + second[i];
    }
}
