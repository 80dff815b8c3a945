// The exact reverse pass of L unrolled Sinkhorn iterations between point clouds, as an ILGPU
// kernel in C#, run by SinkhornBackward.UnrolledValueAndGradients on a DeviceAccelerator
// after a taped forward whose iterates stay on the device; the CPU twin is
// SinkhornBackward.UnrolledGradients (Sinkhorn.Backward.Unrolled.cs has the derivation). It
// sweeps the taped iterates t = L-1 .. 0 of tape [B, L, n + m] that SinkhornKernel
// records. With E_ij = exp((f_i + g_j - C_ij)/eps) of step t and E'_ij the same with
// g_{t-1}: the g update gives f-bar_i -= a_i sum_j E_ij g-bar_j and a-bar_i -= eps of that
// sum; the f update gives g-bar_{t-1, j} = -b_j sum_i E'_ij f-bar_i and b-bar_j -= eps of that
// sum; positions collect both terms' dC/dx = s (x_i - y_j), s = 2 for |x - y|^2 and
// 1/|x_i - y_j| for |x - y| (CloudCostView.Slope). Unbalanced runs (p.InverseRho > 0) damp
// every update by kappa = rho / (rho + eps): an adjoint enters a soft-min times kappa, the
// exponents use the soft-min values G / kappa and F / kappa, the value's direct terms are
// the unbalanced objective's, and the weight gradients are not centred (the CPU twin's
// header has the formulas).
// Layout: one team per problem (SinkhornKernel's Packing); points, weights, the step's
// iterates and the adjoints in the team's shared memory; a thread per row, then per column. Each position term is added to the
// thread's own row of the output as it is found (global memory, no other thread touches it)
// rather than kept in a per-thread array of the dimension, which would spill to local memory.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;

namespace OtKernels.Autodiff.Entropic.Device;

internal static class SinkhornCloudsUnrolledKernel
{
    private const float Log2E = 1.4426950408889634f;

    /// <summary>Shared floats per team: points (n + m) d; A, F, fBar, dA (n each); B, G, GB,
    /// gBar, gBarPrev, dB (m each); the reduction (team).</summary>
    public static int WorkFloats(int n, int m, int d, int team) => (n + m) * d + 4 * n + 6 * m + team;

    /// <summary>Problem k = Grid.IdxX x (teams per group) + team (SinkhornKernel.Clouds'
    /// packing): the gradient of gradOut[k] V_k through the steps recorded in stats[k, 2] (the
    /// forward's iteration count), each a row of tape [B, L, n + m]. The teams of a group
    /// sweep the steps together from the largest count down; a team joins at its own last
    /// step, and a team with no problem only takes part in the barriers.</summary>
    public static void Gradients(SpecializedValue<int> dimension, ArrayView<float> x, ArrayView<float> y, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> tape, ArrayView<float> stats, int maxIterations, SinkhornBackwardParameters p, ArrayView<float> gradOut,
        ArrayView<float> gradA, ArrayView<float> gradB, ArrayView<float> gradX, ArrayView<float> gradY)
    {
        int d = dimension, n = p.N, m = p.M;
        float eps = p.Epsilon;
        bool unbalanced = p.InverseRho > 0;
        float kappa = 1 / (1 + eps * p.InverseRho), unscale = unbalanced ? 1 / kappa : 1;
        var team = Team.OfSize(p.TeamSize);
        long problem = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = problem < p.Problems;
        long k = valid ? problem : p.Problems - 1;
        int steps = valid ? (int)stats[k * SinkhornKernel.Stats + 2] : 0;
        float go = gradOut[k], scale = Log2E / eps;
        long stride = n + m;
        ArrayView<float> taped = tape.SubView(k * maxIterations * stride, maxIterations * stride);
        int teamFloats = WorkFloats(n, m, d, team.Size);
        ArrayView<float> work = SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats);
        ArrayView<float> X = work.SubView(0, n * d), Y = work.SubView(n * d, m * d);
        int at = (n + m) * d;
        ArrayView<float> A = work.SubView(at, n), F = work.SubView(at + n, n), fBar = work.SubView(at + 2 * n, n), dA = work.SubView(at + 3 * n, n);
        at += 4 * n;
        ArrayView<float> B = work.SubView(at, m), G = work.SubView(at + m, m), GB = work.SubView(at + 2 * m, m);
        ArrayView<float> gBar = work.SubView(at + 3 * m, m), gBarPrev = work.SubView(at + 4 * m, m), dB = work.SubView(at + 5 * m, m);
        ArrayView<float> red = work.SubView(at + 6 * m, team.Size);
        var cost = new CloudCostView(X, Y, d, p.Root != 0);

        // Global writes (the position gradients accumulate there) only for a team's own problem.
        int ownN = valid ? n : 0, ownM = valid ? m : 0;
        for (int i = team.Lane; i < n * d; i += team.Size) X[i] = x[k * n * d + i];
        for (int j = team.Lane; j < m * d; j += team.Size) Y[j] = y[k * m * d + j];
        for (int i = team.Lane; i < ownN * d; i += team.Size) gradX[k * n * d + i] = 0;
        for (int j = team.Lane; j < ownM * d; j += team.Size) gradY[k * m * d + j] = 0;
        long last = (long)(XMath.Max(steps, 1) - 1) * stride;
        float massA = 0, massB = 0;
        for (int i = team.Lane; i < n; i += team.Size)
        {
            A[i] = a[k * n + i];
            massA += A[i];
            fBar[i] = go * A[i];
            dA[i] = steps > 0 ? go * taped[last + i] : 0;
        }
        for (int j = team.Lane; j < m; j += team.Size)
        {
            B[j] = b[k * m + j];
            massB += B[j];
            gBar[j] = go * B[j];
            dB[j] = steps > 0 ? go * taped[last + n + j] : 0;
        }
        massA = GroupReduce.Sum(massA, red, team); // the reductions' barriers also publish A, B
        massB = GroupReduce.Sum(massB, red, team);
        if (unbalanced && steps > 0)
        {
            // The unbalanced value's direct terms (Sinkhorn.Backward.Unrolled.cs), from f_L, g_L.
            for (int i = team.Lane; i < n; i += team.Size)
            {
                float shrink = SinkhornKernel.ExpM1(-taped[last + i] * p.InverseRho);
                fBar[i] = go * A[i] * (1 + shrink);
                dA[i] = go * (-shrink / p.InverseRho + eps * massB);
            }
            for (int j = team.Lane; j < m; j += team.Size)
            {
                float shrink = SinkhornKernel.ExpM1(-taped[last + n + j] * p.InverseRho);
                gBar[j] = go * B[j] * (1 + shrink) * unscale;
                dB[j] = go * (-shrink / p.InverseRho - eps * (1 + shrink) + eps * massA);
            }
        }
        // Skip the steps no team of the group has, then sweep down together.
        int t = maxIterations - 1;
        while (t >= 0 && !Group.BarrierOr(t < steps)) t--;
        for (; t >= 0; t--)
        {
            bool active = t < steps;
            int rows = active ? n : 0, cols = active ? m : 0;
            long now = t * stride;
            for (int i = team.Lane; i < rows; i += team.Size) F[i] = taped[now + i];
            for (int j = team.Lane; j < cols; j += team.Size)
            {
                G[j] = taped[now + n + j] * unscale; // the soft-min value g_t / kappa
                GB[j] = t > 0 ? taped[now - stride + n + j] : 0;
                gBar[j] *= kappa;                      // g_t = kappa S_r(f_t)
            }
            Group.Barrier();
            // Rows: the g update's adjoint, then the f update's position term.
            for (int i = team.Lane; i < rows; i += team.Size)
            {
                ArrayView<float> gx = gradX.SubView((k * n + i) * d, d);
                float s = 0;
                for (int j = 0; j < m; j++)
                {
                    float between = cost.ForColumn(i, j);
                    float w = XMath.Exp2((F[i] + G[j] - between) * scale) * gBar[j];
                    s += w;
                    if (A[i] > 0)
                        for (int c = 0; c < d; c++) gx[c] += cost.Slope(between) * A[i] * w * (X[i * d + c] - Y[j * d + c]);
                }
                float fb = (fBar[i] - A[i] * s) * kappa; // f_t = kappa S_c(g_{t-1})
                fBar[i] = fb;
                dA[i] -= eps * s;
                if (fb != 0)
                    for (int j = 0; j < m; j++)
                        if (B[j] > 0)
                        {
                            float between = cost.ForColumn(i, j);
                            float w = B[j] * XMath.Exp2((F[i] * unscale + GB[j] - between) * scale);
                            for (int c = 0; c < d; c++) gx[c] += cost.Slope(between) * fb * w * (X[i * d + c] - Y[j * d + c]);
                        }
            }
            Group.Barrier();
            // Columns: the f update's adjoint, and both position terms for y.
            for (int j = team.Lane; j < cols; j += team.Size)
            {
                ArrayView<float> gy = gradY.SubView((k * m + j) * d, d);
                float s = 0;
                for (int i = 0; i < n; i++)
                {
                    float c2 = cost.ForColumn(i, j), slope = cost.Slope(c2);
                    if (A[i] > 0)
                    {
                        float w = A[i] * XMath.Exp2((F[i] + G[j] - c2) * scale);
                        for (int c = 0; c < d; c++) gy[c] -= slope * gBar[j] * w * (X[i * d + c] - Y[j * d + c]);
                    }
                    if (fBar[i] != 0)
                    {
                        float w = XMath.Exp2((F[i] * unscale + GB[j] - c2) * scale) * fBar[i];
                        s += w;
                        if (B[j] > 0)
                            for (int c = 0; c < d; c++) gy[c] -= slope * B[j] * w * (X[i * d + c] - Y[j * d + c]);
                    }
                }
                gBarPrev[j] = -B[j] * s;
                dB[j] -= eps * s;
            }
            Group.Barrier();
            for (int j = team.Lane; j < cols; j += team.Size) gBar[j] = gBarPrev[j];
            for (int i = team.Lane; i < rows; i += team.Size) fBar[i] = 0;
            Group.Barrier();
        }
        float meanA = 0, meanB = 0;
        for (int i = team.Lane; i < n; i += team.Size) meanA += dA[i];
        for (int j = team.Lane; j < m; j += team.Size) meanB += dB[j];
        meanA = unbalanced ? 0 : GroupReduce.Sum(meanA, red, team) / n; // p.InverseRho is the launch's: every team branches alike
        meanB = unbalanced ? 0 : GroupReduce.Sum(meanB, red, team) / m;
        for (int i = team.Lane; i < ownN; i += team.Size) gradA[k * n + i] = dA[i] - meanA;
        for (int j = team.Lane; j < ownM; j += team.Size) gradB[k * m + j] = dB[j] - meanB;
    }

    /// <summary>Runs the forward with its tape, then the reverse, on the device; the tape and
    /// the iteration counts never leave it.</summary>
    public static (SinkhornResult<float> Result, CloudGradients Gradients) ValueAndGradients(DeviceAccelerator device,
        PointCloudBatch batch, SinkhornOptions options, float[] gradOut)
    {
        using DeviceBuffers buffers = device.Buffers();
        SinkhornKernel.ResidentBatch inputs = SinkhornKernel.ResidentBatch.Upload(buffers, batch);
        var up = buffers.Upload(gradOut, "gradOut").View;
        (SinkhornKernel.CloudsRun forward, SinkhornCloudsBackwardKernel.Outputs outputs) = Launch(device, buffers, inputs, batch, options, up);
        var gradients = new CloudGradients(batch);
        outputs.Download(gradients.A, gradients.B, gradients.X, gradients.Y);
        return (forward.Download(batch, options), gradients);
    }

    /// <summary>Launches the taped forward and the reverse on a batch already on the device.</summary>
    internal static (SinkhornKernel.CloudsRun Forward, SinkhornCloudsBackwardKernel.Outputs Gradients) Launch(DeviceAccelerator device,
        DeviceBuffers buffers, SinkhornKernel.ResidentBatch inputs, PointCloudBatch batch, SinkhornOptions options, ArrayView<float> gradOut)
    {
        int n = batch.N, m = batch.M, d = batch.Dimension;
        Packing pack = Packing.For(device, batch.Batch, n, m, team => WorkFloats(n, m, d, team), nameof(batch),
            $"Unrolled reverse passes of {n} x {m} points in R^{d}");
        SinkhornKernel.CloudsRun forward = SinkhornKernel.LaunchClouds(device, buffers, inputs, batch, options, taped: true);
        var outputs = SinkhornCloudsBackwardKernel.Outputs.Allocate(buffers, batch.Batch, n, m, d);
        var kernel = device.Device.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, SinkhornBackwardParameters, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>>(Gradients);
        kernel(pack.Config(WorkFloats(n, m, d, pack.TeamSize)), SpecializedValue.New(d),
            inputs.X, inputs.Y, inputs.A, inputs.B, forward.Tape!.View, forward.Stats.View, options.MaxIterations,
            new SinkhornBackwardParameters(n, m, (float)options.Epsilon, batch.Batch, pack.TeamSize, batch.Metric,
                options.Unbalanced ? (float)(1 / options.MarginalPenalty) : 0), gradOut, outputs.A.View, outputs.B.View, outputs.X.View, outputs.Y.View);
        return (forward, outputs);
    }
}
