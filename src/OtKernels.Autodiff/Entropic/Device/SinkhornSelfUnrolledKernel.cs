// The exact reverse pass of a self-term OT_eps(a, a) computed by L averaged symmetric steps
//     s_t = softmin(f_{t-1}),  f_t = (f_{t-1} + s_t) / 2,  f_0 = 0,  V = 2 <a, f_L>
// (Feydy et al. 2019; SinkhornKernel.SelfTerms records f_t), as an ILGPU kernel in C#; the CPU
// twin is UnrolledCloudDistance's SelfTerm.Backward. The soft-min
//     s_i = -eps log sum_j a_j exp((f_{t-1, j} - C_ij)/eps)
// has the soft-max weights W_ij = a_j exp((f_{t-1, j} + s_i - C_ij)/eps) (rows summing to 1),
// ds_i/df_{t-1, j} = -W_ij and ds_i/dC_ij = W_ij. So with s-bar = f-bar / 2:
//     f-bar_{t-1, j} = f-bar_j / 2 - sum_i s-bar_i W_ij,   C-bar_ij += s-bar_i W_ij,
// and s_i is read back from the tape as 2 f_t - f_{t-1}, so the sweep needs no exp beyond
// W's. C_ij = c(z_i, z_j) moves with both ends: point i collects (C-bar_ij + C-bar_ji) times
// dc/dz_i = s (z_i - z_j) (CloudCostView.Slope). Layout as SinkhornCloudsUnrolledKernel: one
// team per cloud, the cloud and the step's iterates in shared memory, a thread per point,
// each point's gradient accumulated in its own row of the output.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic.Device;

internal static class SinkhornSelfUnrolledKernel
{
    private const float Log2E = 1.4426950408889634f;

    /// <summary>Shared floats per team: the cloud n d; A, F, FB (f_{t-1}), S, sBar, fBarPrev (n each).</summary>
    public static int WorkFloats(int n, int d) => n * d + 6 * n;

    /// <summary>Cloud k = Grid.IdxX x (teams per group) + team (SinkhornKernel.SelfTerms'
    /// packing): the gradient of gradOut[k] V_k with respect to its points, through the
    /// stats[k, 2] steps of tape [B, L, 2 n]. The teams of a group sweep the steps together
    /// from the largest count down, as in SinkhornCloudsUnrolledKernel.</summary>
    public static void Gradients(SpecializedValue<int> dimension, ArrayView<float> z, ArrayView<float> a, ArrayView<float> tape,
        ArrayView<float> stats, int maxIterations, SinkhornBackwardParameters p, ArrayView<float> gradOut, ArrayView<float> gradZ)
    {
        int d = dimension, n = p.N;
        float scale = Log2E / p.Epsilon;
        var team = Team.OfSize(p.TeamSize);
        long problem = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = problem < p.Problems;
        long k = valid ? problem : p.Problems - 1;
        int steps = valid ? (int)stats[k * SinkhornKernel.Stats + 2] : 0;
        long stride = 2 * n;
        ArrayView<float> taped = tape.SubView(k * maxIterations * stride, maxIterations * stride);
        int teamFloats = WorkFloats(n, d);
        ArrayView<float> work = SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats);
        ArrayView<float> Z = work.SubView(0, n * d);
        int at = n * d;
        ArrayView<float> A = work.SubView(at, n), F = work.SubView(at + n, n), FB = work.SubView(at + 2 * n, n);
        ArrayView<float> S = work.SubView(at + 3 * n, n), sBar = work.SubView(at + 4 * n, n), fBar = work.SubView(at + 5 * n, n);
        var cost = new CloudCostView(Z, Z, d, p.Root != 0);

        int own = valid ? n : 0;
        for (int i = team.Lane; i < n * d; i += team.Size) Z[i] = z[k * n * d + i];
        for (int i = team.Lane; i < own * d; i += team.Size) gradZ[k * n * d + i] = 0;
        for (int i = team.Lane; i < n; i += team.Size)
        {
            A[i] = a[k * n + i];
            fBar[i] = 2 * gradOut[k] * A[i]; // V = 2 <a, f_L>
        }
        int t = maxIterations - 1;
        while (t >= 0 && !Group.BarrierOr(t < steps)) t--;
        for (; t >= 0; t--)
        {
            int rows = t < steps ? n : 0;
            long now = t * stride;
            for (int i = team.Lane; i < rows; i += team.Size)
            {
                float before = t > 0 ? taped[now - stride + i] : 0;
                FB[i] = before;
                S[i] = 2 * taped[now + i] - before;
                sBar[i] = 0.5f * fBar[i];
            }
            Group.Barrier();
            for (int i = team.Lane; i < rows; i += team.Size)
            {
                ArrayView<float> gz = gradZ.SubView((k * n + i) * d, d);
                float previous = 0.5f * fBar[i];
                for (int j = 0; j < n; j++)
                {
                    float between = cost.ForColumn(i, j);
                    float wij = A[j] * XMath.Exp2((FB[j] + S[i] - between) * scale);
                    float wji = A[i] * XMath.Exp2((FB[i] + S[j] - between) * scale);
                    previous -= sBar[j] * wji;
                    float w = (sBar[i] * wij + sBar[j] * wji) * cost.Slope(between);
                    if (w != 0)
                        for (int c = 0; c < d; c++) gz[c] += w * (Z[i * d + c] - Z[j * d + c]);
                }
                fBar[i] = previous; // read by this thread only until the barrier below
            }
            Group.Barrier();
        }
    }

    /// <summary>Launches the taped self-terms of count clouds z [count, n, d] with weights a
    /// (on the device) and their reverse for upstream gradients gradOut [count]: the forward's
    /// run (its Values) and the gradient [count, n, d] of sum_k gradOut_k V_k.</summary>
    internal static (SinkhornKernel.SelfTermsRun Forward, MemoryBuffer1D<float, Stride1D.Dense> Gradient) Launch(DeviceAccelerator device,
        DeviceBuffers buffers, ArrayView<float> z, ArrayView<float> a, int count, int n, int d, GroundMetric metric, SinkhornOptions options,
        ArrayView<float> gradOut)
    {
        Packing pack = Packing.For(device, count, n, n, _ => WorkFloats(n, d), nameof(z), $"Unrolled reverse passes of self-terms of {n} points in R^{d}");
        SinkhornKernel.SelfTermsRun forward = SinkhornKernel.LaunchSelfTerms(device, buffers, z, a, count, n, d, metric, options, taped: true);
        var gradient = buffers.Allocate((long)count * n * d, "the gradient of the clouds");
        var kernel = device.Device.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, SinkhornBackwardParameters, ArrayView<float>, ArrayView<float>>(Gradients);
        kernel(pack.Config(WorkFloats(n, d)), SpecializedValue.New(d), z, a, forward.Tape!.View, forward.Stats.View, options.MaxIterations,
            new SinkhornBackwardParameters(n, n, (float)options.Epsilon, count, pack.TeamSize, metric), gradOut, gradient.View);
        return (forward, gradient);
    }
}
