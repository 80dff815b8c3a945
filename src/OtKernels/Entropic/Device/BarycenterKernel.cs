// Bregman barycenters on a shared dense cost as ILGPU kernels in C#, run by
// Barycenter.Bregman on a DeviceAccelerator; the CPU twin is Barycenter.cs, in the log domain:
//     G_k = logBar - logKu_k          (the v projection of the previous step; 0 at first)
//     F_k = eps log a_k + softmin_j(C - eps G_k)
// (each over-relaxed as BarycenterOptions.RelaxationsAt says, X += omega (update - X))
//     logKu_k = -softmin_i(C - F_k) / eps
//     logBar = sum_k lambda_k logKu_k, and on check iterations the spread std_k exp(G_k + logKu_k)
// of POT's stopping rule (two passes, as numpy's std; the CPU twin's ChunkedDeviations). Step: one group per input, its
// two soft-mins against the shared cost read coalesced (DenseCostView); Mean: one thread per
// pixel. G [K, m], logKu [K, m] and F [K, n] stay on the device between steps.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Accelerators;
using OtKernels.Geometry;

namespace OtKernels.Entropic.Device;

/// <summary>The shapes, epsilon, whether this is the first step, and the over-relaxations of
/// its G and F updates (1: plain).</summary>
internal readonly struct BarycenterStepParameters(int n, int m, float epsilon, bool first, float omegaG, float omegaF)
{
    public readonly int N = n, M = m, First = first ? 1 : 0;
    public readonly float Epsilon = epsilon, OmegaG = omegaG, OmegaF = omegaF;
}

internal static class BarycenterKernel
{
    private const float Log2E = 1.4426950408889634f;

    /// <summary>One Bregman step of input Grid.IdxX (Barycenter.Bregman's loop body).</summary>
    public static void Step(ArrayView<float> cost, ArrayView<float> costT, ArrayView<float> a, BarycenterStepParameters p,
        ArrayView<float> logBar, ArrayView<float> g, ArrayView<float> f, ArrayView<float> logKu)
    {
        int n = p.N, m = p.M, size = XMath.Max(n, m);
        float eps = p.Epsilon;
        long k = Grid.IdxX;
        ArrayView<float> work = SharedMemory.GetDynamic<float>();
        ArrayView<float> h = work.SubView(0, size), output = work.SubView(size, size);
        ArrayView<float> gk = g.SubView(k * m, m), lk = logKu.SubView(k * m, m), fk = f.SubView(k * n, n);
        var view = new DenseCostView(cost, costT, n, m);
        for (int j = Group.IdxX; j < m; j += Group.DimX)
        {
            float gj = p.First != 0 ? 0 : logBar[j] - lk[j];
            if (p.OmegaG != 1) gj = gk[j] + p.OmegaG * (gj - gk[j]);
            gk[j] = gj;
            h[j] = gj * Log2E;
        }
        Group.Barrier();
        SinkhornKernel.SoftMin(Team.WholeGroup, output, n, h, m, view, true, eps);
        Group.Barrier();
        for (int i = Group.IdxX; i < n; i += Group.DimX)
        {
            float ai = a[k * n + i];
            float fi = ai > 0 ? output[i] + eps * XMath.Log(ai) : float.NegativeInfinity;
            if (p.OmegaF != 1 && ai > 0) fi = fk[i] + p.OmegaF * (fi - fk[i]);
            fk[i] = fi;
            h[i] = fi == float.NegativeInfinity ? float.NegativeInfinity : fi / eps * Log2E;
        }
        Group.Barrier();
        SinkhornKernel.SoftMin(Team.WholeGroup, output, m, h, n, view, false, eps);
        Group.Barrier();
        for (int j = Group.IdxX; j < m; j += Group.DimX) lk[j] = -output[j] / eps;
    }

    /// <summary>logBar_j = sum_k lambda_k logKu_kj and, when withSpread is 1, spread_j = std_k
    /// exp(G_kj + logKu_kj) in two passes (mean, then squared deviations); pixel j.</summary>
    public static void Mean(Index1D j, ArrayView<float> logKu, ArrayView<float> g, ArrayView<float> lambda, int count, int m,
        ArrayView<float> logBar, ArrayView<float> spread, int withSpread)
    {
        float sum = 0;
        for (int k = 0; k < count; k++) sum += lambda[k] * logKu[(long)k * m + j];
        logBar[j] = sum;
        if (withSpread == 0) return;
        float mean = 0, squares = 0;
        for (int k = 0; k < count; k++) mean += XMath.Exp(g[(long)k * m + j] + logKu[(long)k * m + j]);
        mean /= count;
        for (int k = 0; k < count; k++)
        {
            float d = XMath.Exp(g[(long)k * m + j] + logKu[(long)k * m + j]) - mean;
            squares += d * d;
        }
        spread[j] = XMath.Sqrt(squares / count);
    }

    /// <summary>Barycenter.Bregman on a device, in float32 and in the log domain (options.Domain
    /// Kernel is refused): same options, stopping rule and result type. The histograms are
    /// normalised [count, n] and the weights lambda [count], as Barycenter.Bregman prepares them.</summary>
    public static BarycenterResult Bregman(DeviceAccelerator device, GroundCost cost, float[] a, float[] lambda, BarycenterOptions options)
    {
        if (options.Domain == BarycenterDomain.Kernel)
            throw new ArgumentException("The device kernels run in the log domain; options.Domain Kernel is for the CPU on image grids.", nameof(options));
        int n = cost.Rows, m = cost.Cols, count = lambda.Length;
        int group = SinkhornKernel.GroupSize(device, n, m), work = 2 * Math.Max(n, m);
        DeviceRuntime.RequireSharedMemory(device, work, nameof(cost), $"Barycenter steps on a {n} x {m} cost");
        (float[] c, float[] cT) = SinkhornKernel.DenseCopies(cost);
        using DeviceBuffers buffers = device.Buffers();
        var dc = buffers.Upload(c, "the cost");
        var dcT = buffers.Upload(cT, "the transposed cost");
        var da = buffers.Upload(a, "the histograms");
        var dl = buffers.Upload(lambda, "the weights");
        var g = buffers.Allocate((long)count * m, "g");
        var f = buffers.Allocate((long)count * n, "f");
        var logKu = buffers.Allocate((long)count * m, "log K^T u");
        var logBar = buffers.Allocate(m, "the barycenter");
        var spread = buffers.Allocate(m, "the spread");
        var step = device.Device.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, BarycenterStepParameters,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Step);
        var mean = device.Device.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int,
            ArrayView<float>, ArrayView<float>, int>(Mean);
        var config = new KernelConfig(count, group, SharedMemoryConfig.RequestDynamic<float>(work));
        var spreads = new float[m];
        double error = double.NaN;
        int iteration = 0;
        var status = SinkhornStatus.MaxIterations;
        for (; iteration < options.MaxIterations; iteration++)
        {
            // Step t makes the CPU's G of iteration t - 1 and its F of iteration t.
            bool check = iteration % options.CheckEvery == 1 % options.CheckEvery;
            float omegaG = iteration == 0 ? 1 : (float)options.RelaxationsAt(iteration - 1, false).BarycenterSide;
            float omegaF = (float)options.RelaxationsAt(iteration, check).InputSide;
            step(config, dc.View, dcT.View, da.View, new BarycenterStepParameters(n, m, (float)options.Epsilon, iteration == 0, omegaG, omegaF),
                logBar.View, g.View, f.View, logKu.View);
            mean(m, logKu.View, g.View, dl.View, count, m, logBar.View, spread.View, check ? 1 : 0);
            if (!check) continue;
            spread.CopyToCPU(spreads); // synchronises
            error = 0;
            foreach (float s in spreads) error += s;
            if (!double.IsFinite(error)) { status = SinkhornStatus.Diverged; break; }
            if (error < options.Tolerance) { status = SinkhornStatus.Converged; break; }
        }
        float[] log = logBar.GetAsArray1D();
        return new BarycenterResult(Array.ConvertAll(log, v => Math.Exp(v)), Math.Min(iteration + 1, options.MaxIterations), error, status, BarycenterDomain.Log);
    }
}
