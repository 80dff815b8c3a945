// Entropic optimal transport by Sinkhorn's algorithm in the log domain (Cuturi 2013;
// stabilised as in Schmitzer 2019, Feydy et al. 2019):
//     f_i = -eps log sum_j b_j exp((g_j - C_ij) / eps)       (f update, a soft-min over j)
//     g_j = -eps log sum_i a_i exp((f_i - C_ij) / eps)       (g update, a soft-min over i)
// alternated until the row marginals of P_ij = a_i b_j exp((f_i + g_j - C_ij)/eps) match a
// (the columns match b exactly after every g update). The cost enters only through the
// soft-min of a GibbsKernel (a stored exp(-C/eps) for small costs, else GroundCost.SoftMin),
// so dense matrices, lazy point clouds and separable grids share this loop. Problems of a
// batch run in parallel, each as if alone. This is the reference the device kernels
// (Device/SinkhornKernel.cs, reached through Sinkhorn.Accelerated.cs) follow step for step.
// What it is not: an unbalanced or semi-relaxed solver (sum a must equal sum b).
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

public static partial class Sinkhorn
{
    /// <summary>A single problem: a batch of one. Arguments in the order of every solver of
    /// the engine (and of POT): the masses, then the cost, then the options.</summary>
    public static SinkhornResult<T> Solve<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, GroundCost cost, SinkhornOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SolveBatch(new ReadOnlyMemory<T>(a.ToArray()), new ReadOnlyMemory<T>(b.ToArray()), _ => cost, options, tape: null);

    /// <summary>A single problem in Unrolled mode, recording every iterate on
    /// <paramref name="tape"/> for the exact reverse pass (OtKernels.Autodiff). Epsilon scaling
    /// is not taped, so it must be off.</summary>
    public static SinkhornResult<T> Solve<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, GroundCost cost, SinkhornOptions options, SinkhornTape<T> tape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode != SinkhornMode.Unrolled || options.EpsilonScaling != 0)
            throw new ArgumentException("A tape records an Unrolled run without epsilon scaling (Mode = Unrolled, EpsilonScaling = 0).", nameof(options));
        return SolveBatch(new ReadOnlyMemory<T>(a.ToArray()), new ReadOnlyMemory<T>(b.ToArray()), _ => cost, options, tape);
    }

    /// <summary>Problems sharing one cost: problem k uses a[k n .. (k+1) n) and b[k m .. (k+1) m).</summary>
    public static SinkhornResult<T> SolveBatch<T>(ReadOnlyMemory<T> a, ReadOnlyMemory<T> b, GroundCost cost, SinkhornOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cost);
        return SolveBatch(a, b, _ => cost, options, tape: null);
    }

    /// <summary>Problems sharing one cost, in double (arrays convert without naming the type).</summary>
    public static SinkhornResult<double> SolveBatch(ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, GroundCost cost, SinkhornOptions options) =>
        SolveBatch<double>(a, b, cost, options);

    /// <summary>Problems with their own costs of one shape (n x m), e.g. point clouds:
    /// <paramref name="costOf"/>(k) is problem k's cost; a is [batch, n], b is [batch, m], and
    /// the batch is a's length over n. Zero weights (the padding of ragged batches) are absent:
    /// they receive no mass and change nothing else.</summary>
    /// <exception cref="ArgumentException">Bad masses (NaN, infinity, negative, all zero,
    /// unequal sums beyond 1e-6 relative) or shapes; the message names the problem and index.</exception>
    public static SinkhornResult<T> SolveBatch<T>(ReadOnlyMemory<T> a, ReadOnlyMemory<T> b, Func<int, GroundCost> costOf, SinkhornOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> => SolveBatch(a, b, costOf, options, tape: null);

    /// <summary>Problems with their own costs, in double (arrays convert without naming the type).</summary>
    public static SinkhornResult<double> SolveBatch(ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, Func<int, GroundCost> costOf, SinkhornOptions options) =>
        SolveBatch<double>(a, b, costOf, options);

    /// <summary>The batch of a's length over problem 0's source count, or an error naming a.</summary>
    internal static int BatchCount(int aLength, int n)
    {
        if (aLength == 0 || aLength % n != 0)
            throw new ArgumentException($"a has length {aLength}, not a positive multiple of the cost's {n} source bins.", "a");
        return aLength / n;
    }

    private static SinkhornResult<T> SolveBatch<T>(ReadOnlyMemory<T> a, ReadOnlyMemory<T> b, Func<int, GroundCost> costOf, SinkhornOptions options,
        SinkhornTape<T>? tape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(costOf);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        GroundCost first = CostOf(costOf, 0);
        int n = first.Rows, m = first.Cols;
        int batch = BatchCount(a.Length, n);
        ThrowHelper.ThrowIfLengthMismatch(b.Length, batch * m, nameof(b), $"{batch} problems of {m} target bins");

        // Masses as solved: b rescaled to a's mass, so that the sums agree to rounding.
        T[] aa = a.ToArray(), bb = b.ToArray();
        for (int k = 0; k < batch; k++)
        {
            double scaleB = ValidatedScale(aa.AsSpan(k * n, n), bb.AsSpan(k * m, m), k, batch);
            if (scaleB != 1) TensorPrimitives.Multiply(bb.AsSpan(k * m, m), T.CreateTruncating(scaleB), bb.AsSpan(k * m, m));
        }

        var result = new SinkhornResult<T>(batch, n, m, options.Epsilon, costOf, aa, bb);
        // One workspace per worker thread, reused for all the problems that worker solves.
        BatchErrors.For(batch, options.MaxDegreeOfParallelism, () => new SinkhornWorkspace<T>(), (k, workspace) =>
        {
            GroundCost cost = k == 0 ? first : CostOf(costOf, k);
            if (cost.Rows != n || cost.Cols != m)
                throw new ArgumentException($"Problem {k}: cost is {cost.Rows} x {cost.Cols}, problem 0's is {n} x {m}.", nameof(costOf));
            (result.Value[k], result.MarginalError[k], result.Iterations[k], result.Status[k]) = SolveOne(
                cost, aa.AsSpan(k * n, n), bb.AsSpan(k * m, m), options, result.F.AsSpan(k * n, n), result.G.AsSpan(k * m, m), workspace, tape);
        });
        return result;
    }

    /// <summary>costOf(k), which must not be null.</summary>
    internal static GroundCost CostOf(Func<int, GroundCost> costOf, int k) =>
        costOf(k) ?? throw new ArgumentNullException(nameof(costOf), $"costOf({k}) returned null.");

    internal static double ValidatedScale<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int k, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> ad = new double[a.Length], bd = new double[b.Length];
        for (int i = 0; i < a.Length; i++) ad[i] = double.CreateTruncating(a[i]);
        for (int j = 0; j < b.Length; j++) bd[j] = double.CreateTruncating(b[j]);
        try
        {
            return MassBalance.Scales(ad, bd, 1e-6, normalize: false).ScaleB;
        }
        catch (ArgumentException e) when (batch > 1)
        {
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
            throw new ArgumentException($"Problem {k} of the batch: {message}", e.ParamName, e);
        }
    }

    /// <summary>One problem. Writes f and g; returns (value, marginal error, iterations,
    /// status). With an empty b and g it is a self-term OT_eps(a, a) on a symmetric cost
    /// C(x, x), by the averaged symmetric update f &lt;- (f + softmin_eps(C - f; a)) / 2 (Feydy
    /// et al. 2019, section 3.1), which converges in a few iterations; at its fixed point
    /// f = g and OT_eps(a, a) = 2 &lt;a, f&gt; (the device kernel's self mode, step for step).</summary>
    internal static (double, double, int, SinkhornStatus) SolveOne<T>(GroundCost cost, ReadOnlySpan<T> a, ReadOnlySpan<T> b,
        SinkhornOptions options, Span<T> f, Span<T> g, SinkhornWorkspace<T> workspace, SinkhornTape<T>? tape = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool self = b.IsEmpty;
        int n = a.Length, m = self ? n : b.Length;
        ReadOnlySpan<T> logA = workspace.LogA(a), logB = self ? default : workspace.LogB(b);
        Span<T> h = workspace.H(Math.Max(n, m)), fNext = workspace.FNext(n);
        Span<T> gNext = options.OverRelaxation != 1 ? workspace.GNext(m) : default;
        T omega = T.CreateTruncating(options.OverRelaxation), half = T.CreateTruncating(0.5);
        f.Clear();
        g.Clear();
        tape?.Begin(options.Epsilon, n, m, options.MaxIterations);
        double mass = 0;
        foreach (T w in a) mass += double.CreateTruncating(w);

        // Epsilon scaling: one iteration per stage, from the largest cost down to the target.
        bool consistent = self; // does g equal softmin(f)? (a self-term has no g)
        if (options.EpsilonScaling > 0)
        {
            for (double e = cost.MaxCost(); e > options.Epsilon; e *= options.EpsilonScaling)
            {
                var stage = new GibbsKernel<T>(cost, T.CreateTruncating(e), workspace.SoftMin);
                if (self)
                {
                    UpdateG(stage, f, logA, h, fNext);
                    Relax(f, fNext, half, f); // the averaged step: a relaxation with omega = 1/2
                    continue;
                }
                UpdateF(stage, g, logB, h, f);
                UpdateG(stage, f, logA, h, g);
                consistent = true;
            }
        }

        T eps = T.CreateTruncating(options.Epsilon);
        var kernel = new GibbsKernel<T>(cost, eps, workspace.SoftMin);
        double error = double.NaN;
        int iteration = 0;
        SinkhornStatus status = SinkhornStatus.MaxIterations;
        while (true)
        {
            // A self-term's f update is the soft-min of f itself (the cost is symmetric).
            if (self) UpdateG(kernel, f, logA, h, fNext);
            else UpdateF(kernel, g, logB, h, fNext);
            bool check = consistent && (iteration == options.MaxIterations || iteration % options.CheckEvery == 0);
            if (check)
            {
                // Row marginals of the current pair: (P 1)_i = a_i exp((f_i - fNext_i) / eps).
                error = RowMarginalError(a, f, fNext, eps, workspace.Ratio(n));
                double floor = self ? PrecisionFloor(a, fNext, a, f, options.Epsilon) : PrecisionFloor(a, fNext, b, g, options.Epsilon);
                if (CheckStatus(ref error, floor, mass, options, iteration) is { } stopped) { status = stopped; break; }
            }
            if (iteration == options.MaxIterations) break;
            if (self)
            {
                Relax(f, fNext, half, f);
                iteration++;
                continue;
            }
            // Over-relaxed steps, except before a check, whose pair must satisfy g = softmin(f).
            bool relax = options.OverRelaxation != 1 && options.Mode == SinkhornMode.Converged
                         && (iteration + 1) % options.CheckEvery != 0 && iteration + 1 != options.MaxIterations;
            if (relax) Relax(f, fNext, omega, f);
            else fNext.CopyTo(f);
            if (relax)
            {
                UpdateG(kernel, f, logA, h, gNext);
                Relax(g, gNext, omega, g);
            }
            else UpdateG(kernel, f, logA, h, g);
            tape?.Record(f, g);
            consistent = !relax;
            iteration++;
        }

        double value = self ? 2 * WeightedSum(a, f) : WeightedSum(a, f) + WeightedSum(b, g);
        return (value, error, iteration, Finished(status, value));
    }

    /// <summary>Diverged for a non-finite potential or error, except that an error that
    /// overflowed where the floor exceeds the tolerance is PrecisionLimit (the cause is
    /// named). Otherwise, where the iterations may stop
    /// (always in Converged mode, at the last iteration in Unrolled mode): Converged when the
    /// error plus the rounding floor is within tolerance, so that the plan a user rebuilds
    /// from the potentials keeps the promise; PrecisionLimit when the floor alone exceeds the
    /// tolerance and the computed error has come down to it (below the floor the computed sum
    /// says nothing, so the error is raised to the floor); otherwise null, go on.</summary>
    internal static SinkhornStatus? CheckStatus(ref double error, double floor, double mass, SinkhornOptions options, int iteration)
    {
        if (!double.IsFinite(floor)) return SinkhornStatus.Diverged; // a potential is not finite
        // Tolerance 0 (fixed iterations, nothing to certify) keeps MaxIterations as its status.
        bool unreachable = floor > options.Tolerance && options.Tolerance > 0;
        if (unreachable && !double.IsFinite(error))
        {
            // exp((f - softmin f) / eps) overflowed: at this eps the precision is the cause.
            error = double.PositiveInfinity;
            return SinkhornStatus.PrecisionLimit;
        }
        if (!double.IsFinite(error)) return SinkhornStatus.Diverged;
        bool mayStop = options.Mode == SinkhornMode.Converged || iteration == options.MaxIterations;
        if (!mayStop) return null;
        if (unreachable)
        {
            // No number of iterations can certify the tolerance: stop once the error is down
            // to the floor, and at the limit name the precision as the cause.
            if (error > floor * mass && iteration < options.MaxIterations) return null;
            error = Math.Max(error, floor * mass);
            return SinkhornStatus.PrecisionLimit;
        }
        return error + floor * mass <= options.Tolerance * mass ? SinkhornStatus.Converged : null;
    }

    /// <summary>A value that is not finite is never Converged.</summary>
    internal static SinkhornStatus Finished(SinkhornStatus status, double value) =>
        status == SinkhornStatus.Converged && !double.IsFinite(value) ? SinkhornStatus.Diverged : status;

    /// <summary>The relative rounding error of a plan entry a_i b_j exp((f_i + g_j - C_ij)/eps)
    /// rebuilt from these potentials: the exponent's terms each carry an error of a unit
    /// roundoff u of T times their size, divided by eps; twice that, for the rounding of the
    /// soft-min that produced them. Where an entry carries mass, C_ij is within a few eps of
    /// f_i + g_j, so |f| + |g| bounds it too: 4 u (max|f| + max|g|) / eps, with no pass over
    /// the costs. Only entries of positive weight count (a potential is arbitrary where the
    /// weight is zero).</summary>
    internal static double PrecisionFloor<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> f, ReadOnlySpan<T> b, ReadOnlySpan<T> g, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double unitRoundoff = double.CreateTruncating(T.BitIncrement(T.One) - T.One) / 2; // 2^-53 double, 2^-24 float
        return 4 * unitRoundoff * (MaxAbs(a, f) + MaxAbs(b, g)) / epsilon;

        static double MaxAbs(ReadOnlySpan<T> w, ReadOnlySpan<T> p)
        {
            double max = 0;
            for (int i = 0; i < w.Length; i++) if (w[i] > T.Zero) max = Math.Max(max, Math.Abs(double.CreateTruncating(p[i])));
            return max;
        }
    }

    /// <summary>sum_i w_i p_i over the positive weights (a potential is arbitrary where w_i = 0).</summary>
    internal static double WeightedSum<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int i = 0; i < w.Length; i++) if (w[i] > T.Zero) sum += double.CreateTruncating(w[i] * p[i]);
        return sum;
    }

    /// <summary>f = softmin over j of (C_ij - g_j) weighted by b: h = g / eps + log b.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // see GibbsKernel: keeps the solver loop within the JIT's inlining budget
    internal static void UpdateF<T>(in GibbsKernel<T> kernel, ReadOnlySpan<T> g, ReadOnlySpan<T> logB, Span<T> h, Span<T> f)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> hb = h[..g.Length];
        TensorPrimitives.MultiplyAdd(g, T.One / kernel.Epsilon, logB, hb);
        kernel.SoftMin(SoftMinAxis.OverColumns, hb, f);
    }

    /// <summary>g = softmin over i of (C_ij - f_i) weighted by a: h = f / eps + log a.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void UpdateG<T>(in GibbsKernel<T> kernel, ReadOnlySpan<T> f, ReadOnlySpan<T> logA, Span<T> h, Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> ha = h[..f.Length];
        TensorPrimitives.MultiplyAdd(f, T.One / kernel.Epsilon, logA, ha);
        kernel.SoftMin(SoftMinAxis.OverRows, ha, g);
    }

    /// <summary>x = (1 - omega) old + omega update (in place when x is old); where old is not
    /// finite, x = update.</summary>
    internal static void Relax<T>(ReadOnlySpan<T> old, ReadOnlySpan<T> update, T omega, Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var w = Vector256.Create(omega);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var o = Vector256.Create(old.Slice(i, Vector256<T>.Count));
                var u = Vector256.Create(update.Slice(i, Vector256<T>.Count));
                Vector256<T> finite = Vector256.Equals(o - o, Vector256<T>.Zero); // o - o is NaN for +-inf and NaN
                Vector256.ConditionalSelect(finite, o + w * (u - o), u).CopyTo(x.Slice(i, Vector256<T>.Count));
            }
        }
        for (; i < x.Length; i++)
            x[i] = T.IsFinite(old[i]) ? old[i] + omega * (update[i] - old[i]) : update[i];
    }

    /// <summary>The L1 error of the row marginals, sum_i a_i |1 - exp((f_i - fNext_i) / eps)|,
    /// with one vectorised exp.</summary>
    internal static double RowMarginalError<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> f, ReadOnlySpan<T> fNext, T eps, Span<T> ratio)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(f, fNext, ratio);
        TensorPrimitives.Divide(ratio, eps, ratio);
        TensorPrimitives.Exp<T>(ratio, ratio);
        double error = 0;
        for (int i = 0; i < a.Length; i++)
            if (a[i] > T.Zero) error += double.CreateTruncating(a[i]) * Math.Abs(1 - double.CreateTruncating(ratio[i]));
        return error;
    }
}
