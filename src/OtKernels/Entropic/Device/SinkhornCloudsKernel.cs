// Batched log-domain Sinkhorn between point clouds as an ILGPU kernel in C# (issue 15: one
// source for CUDA, OpenCL 2.0+ and ILGPU's CPU accelerator), the port of sinkhorn_clouds in
// Kernels/sinkhorn.cl, which it replaces once the device runtime moves to ILGPU. Each
// device function names its C# twin in Sinkhorn.cs; the loop follows Sinkhorn.SolveOne step
// for step, in float. Not yet ported: the divergence's symmetric self-terms, the shared
// dense cost, the tape of the unrolled reverse pass.
// Layout: one group per problem, threads striding over outputs. Points, potentials and
// log-weights live in dynamic shared memory (WorkFloats counts it); each soft-min streams
// its inputs with a running maximum in base 2 (out_o = -eps ln2 (M + log2 sum_i
// 2^(h_i - C_oi log2e / eps)), h_i = (p_i / eps + log w_i) log2e; Milakov and Gimelshein
// 2018), recomputing |x_i - y_j|^2 from the shared points, so nothing of size n x m exists.
// The point dimension is a specialised value, so the coordinate loops unroll. Control flow
// is uniform across the group (every decision follows a group reduction) and every barrier
// is unconditional: an iteration is committed by swapping double buffers.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace OtKernels.Entropic.Device;

/// <summary>The launch parameters of one batch (SinkhornOptions in float, and the shapes).</summary>
internal readonly struct SinkhornCloudsParameters(int n, int m, SinkhornOptions options)
{
    public readonly int N = n, M = m, MaxIterations = options.MaxIterations, CheckEvery = options.CheckEvery;
    public readonly int Unrolled = options.Mode == SinkhornMode.Unrolled ? 1 : 0;
    public readonly float Epsilon = (float)options.Epsilon, Scaling = (float)options.EpsilonScaling;
    public readonly float Tolerance = (float)options.Tolerance, OverRelaxation = (float)options.OverRelaxation;
}

internal static class SinkhornCloudsKernel
{
    /// <summary>Per problem: value, marginal error, iterations, status (SinkhornStatus as a float).</summary>
    public const int Stats = 4;

    private const float Log2E = 1.4426950408889634f, Ln2 = 0.6931471805599453f;

    /// <summary>Dynamic shared floats per group: points (n + m) d; f, fNew, fNext, logA (n
    /// each); g, gNew, gNext, logB (m each); h (max(n, m)); the reduction (group).</summary>
    public static int WorkFloats(int n, int m, int d, int group) => (n + m) * d + 4 * n + 4 * m + Math.Max(n, m) + group;

    /// <summary>One warp-multiple of threads per problem, enough for max(n, m) outputs.</summary>
    public static int GroupSize(ILGPU.Runtime.Accelerator accelerator, int n, int m) =>
        Math.Min(accelerator.MaxNumThreadsPerGroup, Math.Max(32, (Math.Max(n, m) + 31) / 32 * 32));

    /// <summary>Problem Grid.IdxX of x [B, n, d], y [B, m, d], a [B, n], b [B, m] (b at a's
    /// mass): writes f [B, n], g [B, m] and stats [B, 4] (Sinkhorn.SolveOne's twin).</summary>
    public static void Clouds(SpecializedValue<int> dimension, ArrayView<float> x, ArrayView<float> y, ArrayView<float> a, ArrayView<float> b,
        SinkhornCloudsParameters p, ArrayView<float> fOut, ArrayView<float> gOut, ArrayView<float> stats)
    {
        int d = dimension, n = p.N, m = p.M;
        long k = Grid.IdxX;
        ArrayView<float> work = SharedMemory.GetDynamic<float>();
        ArrayView<float> X = work.SubView(0, n * d), Y = work.SubView(n * d, m * d);
        int at = (n + m) * d;
        ArrayView<float> f = work.SubView(at, n), fNew = work.SubView(at + n, n), fNext = work.SubView(at + 2 * n, n), logA = work.SubView(at + 3 * n, n);
        at += 4 * n;
        ArrayView<float> g = work.SubView(at, m), gNew = work.SubView(at + m, m), gNext = work.SubView(at + 2 * m, m), logB = work.SubView(at + 3 * m, m);
        at += 4 * m;
        ArrayView<float> h = work.SubView(at, XMath.Max(n, m)), red = work.SubView(at + XMath.Max(n, m), Group.DimX);

        for (int i = Group.IdxX; i < n * d; i += Group.DimX) X[i] = x[k * n * d + i];
        for (int j = Group.IdxX; j < m * d; j += Group.DimX) Y[j] = y[k * m * d + j];
        float mass = LoadLogWeights(logA, a.SubView(k * n, n), n, red);
        LoadLogWeights(logB, b.SubView(k * m, m), m, red);
        for (int i = Group.IdxX; i < n; i += Group.DimX) f[i] = 0;
        for (int j = Group.IdxX; j < m; j += Group.DimX) { g[j] = 0; gNext[j] = 0; }
        Group.Barrier();

        // Epsilon scaling: one iteration per stage, from the largest cost down to the target.
        bool consistent = false; // does g equal softmin(f)?
        for (float e = MaxCost(X, Y, n, m, d, red); p.Scaling > 0 && e > p.Epsilon; e *= p.Scaling)
        {
            Log2Weights(h, g, logB, m, e);
            SoftMin(fNext, n, h, m, X, Y, d, e);
            Group.Barrier();
            Advance(f, f, fNext, n, 1);
            Log2Weights(h, f, logA, n, e);
            SoftMin(g, m, h, n, Y, X, d, e);
            Group.Barrier();
            consistent = true;
        }

        float eps = p.Epsilon, error = float.NaN, status = 1; // MaxIterations
        int iteration = 0;
        bool done = false;
        while (!done)
        {
            Log2Weights(h, g, logB, m, eps);
            SoftMin(fNext, n, h, m, X, Y, d, eps);
            Group.Barrier();
            float rowError = RowMarginalError(logA, f, fNext, n, eps, red);
            if (consistent && (iteration == p.MaxIterations || iteration % p.CheckEvery == 0))
            {
                error = rowError;
                if (!(rowError <= 3.0e38f)) { status = 2; done = true; } // Diverged
                else if ((p.Unrolled == 0 || iteration == p.MaxIterations) && rowError <= p.Tolerance * mass) { status = 0; done = true; }
            }
            done = done || iteration == p.MaxIterations;
            // Over-relaxed steps, except before a check (Sinkhorn.SolveOne).
            bool relaxed = p.OverRelaxation != 1 && p.Unrolled == 0 && (iteration + 1) % p.CheckEvery != 0 && iteration + 1 != p.MaxIterations;
            float w = relaxed ? p.OverRelaxation : 1;
            Advance(fNew, f, fNext, n, w);
            Log2Weights(h, fNew, logA, n, eps);
            SoftMin(gNext, m, h, n, Y, X, d, eps);
            Group.Barrier();
            Advance(gNew, g, gNext, m, w);
            if (!done)
            {
                (f, fNew) = (fNew, f);
                (g, gNew) = (gNew, g);
                consistent = !relaxed;
                iteration++;
            }
        }

        float value = WeightedSum(logA, f, n, red) + WeightedSum(logB, g, m, red);
        for (int i = Group.IdxX; i < n; i += Group.DimX) fOut[k * n + i] = f[i];
        for (int j = Group.IdxX; j < m; j += Group.DimX) gOut[k * m + j] = g[j];
        if (Group.IdxX == 0)
        {
            stats[k * Stats] = value;
            stats[k * Stats + 1] = error;
            stats[k * Stats + 2] = iteration;
            stats[k * Stats + 3] = status;
        }
    }

    /// <summary>Solves the batch on an ILGPU accelerator and waits: the result has the CPU
    /// path's shape and statuses certified by the CPU's rule (SinkhornResult.Certify).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The problems need more shared memory per
    /// group than the accelerator has.</exception>
    public static SinkhornResult<float> Solve(ILGPU.Runtime.Accelerator accelerator, PointCloudBatch batch, SinkhornOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = batch.N, m = batch.M, d = batch.Dimension, group = GroupSize(accelerator, n, m);
        int work = WorkFloats(n, m, d, group);
        if ((long)work * sizeof(float) > accelerator.MaxSharedMemoryPerGroup)
            throw new ArgumentOutOfRangeException(nameof(batch), $"Problems of {n} x {m} points in R^{d} need {work * sizeof(float)} bytes of shared memory "
                + $"per group; {accelerator.Name} has {accelerator.MaxSharedMemoryPerGroup}. Use smaller problems (fewer points or dimensions).");
        var result = new SinkhornResult<float>(batch.Batch, n, m, options.Epsilon, batch.CostOf, batch.A.ToArray(), batch.B.ToArray());
        using MemoryBuffer1D<float, Stride1D.Dense> x = accelerator.Allocate1D(batch.X.ToArray()), y = accelerator.Allocate1D(batch.Y.ToArray());
        using MemoryBuffer1D<float, Stride1D.Dense> a = accelerator.Allocate1D(batch.A.ToArray()), b = accelerator.Allocate1D(batch.B.ToArray());
        using MemoryBuffer1D<float, Stride1D.Dense> f = accelerator.Allocate1D<float>(result.F.Length), g = accelerator.Allocate1D<float>(result.G.Length);
        using MemoryBuffer1D<float, Stride1D.Dense> stats = accelerator.Allocate1D<float>((long)batch.Batch * Stats);
        var kernel = accelerator.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            SinkhornCloudsParameters, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Clouds);
        kernel(new KernelConfig(batch.Batch, group, SharedMemoryConfig.RequestDynamic<float>(work)), SpecializedValue.New(d),
            x.View, y.View, a.View, b.View, new SinkhornCloudsParameters(n, m, options), f.View, g.View, stats.View);
        accelerator.Synchronize();
        f.CopyToCPU(result.F);
        g.CopyToCPU(result.G);
        OtKernels.Accelerators.SinkhornKernels.Unpack(stats.GetAsArray1D(), batch.Batch, 1, 0, result.Value, result.MarginalError, result.Iterations, result.Status);
        result.Certify(options);
        return result;
    }

    /// <summary>|p_o - q_i|^2 over d coordinates (PointCloudCost's squared Euclidean).</summary>
    private static float SquaredDistance(ArrayView<float> P, int o, ArrayView<float> Q, int i, int d)
    {
        float c = 0;
        for (int t = 0; t < d; t++)
        {
            float diff = P[o * d + t] - Q[i * d + t];
            c += diff * diff;
        }
        return c;
    }

    /// <summary>out_o = softmin over i of (C_oi - p_i) weighted by w, from h = (p / eps +
    /// log w) log2e; -inf entries (zero weights) are skipped (GroundCost.SoftMin's twin).</summary>
    private static void SoftMin(ArrayView<float> output, int outCount, ArrayView<float> h, int inCount,
        ArrayView<float> P, ArrayView<float> Q, int d, float eps)
    {
        float scale = Log2E / eps;
        for (int o = Group.IdxX; o < outCount; o += Group.DimX)
        {
            float max = float.NegativeInfinity, sum = 0;
            for (int i = 0; i < inCount; i++)
            {
                float hi = h[i];
                if (hi == float.NegativeInfinity) continue;
                float v = hi - SquaredDistance(P, o, Q, i, d) * scale;
                if (v > max) { sum = sum * XMath.Exp2(max - v) + 1; max = v; }
                else sum += XMath.Exp2(v - max);
            }
            output[o] = -eps * Ln2 * (max + XMath.Log2(sum));
        }
    }

    /// <summary>h_i = (p_i / eps + log w_i) log2e, then a barrier (Sinkhorn.UpdateF/UpdateG's first step).</summary>
    private static void Log2Weights(ArrayView<float> h, ArrayView<float> potential, ArrayView<float> logW, int count, float eps)
    {
        for (int i = Group.IdxX; i < count; i += Group.DimX) h[i] = (potential[i] / eps + logW[i]) * Log2E;
        Group.Barrier();
    }

    /// <summary>to = from + w (update - from), exactly update where w = 1 or from is not
    /// finite, then a barrier (Sinkhorn.Relax). to may be from.</summary>
    private static void Advance(ArrayView<float> to, ArrayView<float> from, ArrayView<float> update, int count, float w)
    {
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            float old = from[i];
            to[i] = w != 1 && old - old == 0 ? old + w * (update[i] - old) : update[i];
        }
        Group.Barrier();
    }

    /// <summary>log w, -inf for zero weights (Sinkhorn.LogWeights); returns sum w over the group.</summary>
    private static float LoadLogWeights(ArrayView<float> logW, ArrayView<float> w, int count, ArrayView<float> red)
    {
        float mass = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            float wi = w[i];
            logW[i] = wi > 0 ? XMath.Log(wi) : float.NegativeInfinity;
            mass += wi;
        }
        return GroupSum(mass, red);
    }

    /// <summary>max |C| over all pairs, where epsilon scaling starts (GroundCost.MaxCost).</summary>
    private static float MaxCost(ArrayView<float> X, ArrayView<float> Y, int n, int m, int d, ArrayView<float> red)
    {
        float max = 0;
        for (int j = Group.IdxX; j < m; j += Group.DimX)
            for (int i = 0; i < n; i++) max = XMath.Max(max, SquaredDistance(Y, j, X, i, d));
        return GroupMax(max, red);
    }

    /// <summary>sum_i a_i |1 - exp((f_i - fNext_i) / eps)| over a_i > 0 (Sinkhorn.RowMarginalError).</summary>
    private static float RowMarginalError(ArrayView<float> logA, ArrayView<float> f, ArrayView<float> fNext, int n, float eps, ArrayView<float> red)
    {
        float error = 0;
        for (int i = Group.IdxX; i < n; i += Group.DimX)
            if (logA[i] != float.NegativeInfinity) error += XMath.Exp(logA[i]) * XMath.Abs(1 - XMath.Exp2((f[i] - fNext[i]) / eps * Log2E));
        return GroupSum(error, red);
    }

    /// <summary>sum_i w_i p_i over w_i > 0 (Sinkhorn.WeightedSum).</summary>
    private static float WeightedSum(ArrayView<float> logW, ArrayView<float> potential, int count, ArrayView<float> red)
    {
        float sum = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
            if (logW[i] != float.NegativeInfinity) sum += XMath.Exp(logW[i]) * potential[i];
        return GroupSum(sum, red);
    }

    /// <summary>The sum of v over the group, on every thread: a tree over any group size,
    /// log2(size) barriers; red holds one float per thread.</summary>
    private static float GroupSum(float v, ArrayView<float> red)
    {
        int lid = Group.IdxX, size = Group.DimX;
        red[lid] = v;
        Group.Barrier();
        for (int s = 1; s < size; s <<= 1)
        {
            if ((lid & (2 * s - 1)) == 0 && lid + s < size) red[lid] += red[lid + s];
            Group.Barrier();
        }
        float total = red[0];
        Group.Barrier();
        return total;
    }

    private static float GroupMax(float v, ArrayView<float> red)
    {
        int lid = Group.IdxX, size = Group.DimX;
        red[lid] = v;
        Group.Barrier();
        for (int s = 1; s < size; s <<= 1)
        {
            if ((lid & (2 * s - 1)) == 0 && lid + s < size) red[lid] = XMath.Max(red[lid], red[lid + s]);
            Group.Barrier();
        }
        float total = red[0];
        Group.Barrier();
        return total;
    }
}
