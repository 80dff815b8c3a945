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
// Unbalanced transport (SinkhornOptions.MarginalPenalty rho finite) is the same loop with
// each update damped, f = kappa softmin, kappa = rho / (rho + eps) (Chizat et al. 2018,
// Prop. 2.8, in the log domain; Sejourne et al. 2019, eq. 9); its fixed point has the row
// marginals (P 1)_i = a_i exp(-f_i / rho), which is what the convergence check measures.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.LinearAlgebra;

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

        // Masses as solved: b rescaled to a's mass, so that the sums agree to rounding
        // (balanced); unbalanced masses are only validated, their sums are free.
        T[] aa = a.ToArray(), bb = b.ToArray();
        for (int k = 0; k < batch; k++)
        {
            if (options.Unbalanced)
            {
                ValidateUnbalanced(aa.AsSpan(k * n, n), bb.AsSpan(k * m, m), k, batch);
                continue;
            }
            double scaleB = ValidatedScale(aa.AsSpan(k * n, n), bb.AsSpan(k * m, m), k, batch);
            if (scaleB != 1) TensorPrimitives.Multiply(bb.AsSpan(k * m, m), T.CreateTruncating(scaleB), bb.AsSpan(k * m, m));
        }

        var result = new SinkhornResult<T>(batch, n, m, options.Epsilon, costOf, aa, bb, options.MarginalPenalty);
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

    /// <summary>Unbalanced masses: each finite, nonnegative and not all zero, errors naming the problem.</summary>
    internal static void ValidateUnbalanced<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int k, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string problem = batch > 1 ? $"problem {k}'s " : "";
        ThrowHelper.ValidateMasses(ToDouble(a), nameof(a), problem + nameof(a));
        ThrowHelper.ValidateMasses(ToDouble(b), nameof(b), problem + nameof(b));

        static double[] ToDouble(ReadOnlySpan<T> w)
        {
            var d = new double[w.Length];
            for (int i = 0; i < w.Length; i++) d[i] = double.CreateTruncating(w[i]);
            return d;
        }
    }

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
    /// f = g and OT_eps(a, a) = 2 &lt;a, f&gt; (the device kernel's self mode, step for step).
    /// warmStart starts from the f and g given (a nearby problem's) instead of zero.</summary>
    internal static (double, double, int, SinkhornStatus) SolveOne<T>(GroundCost cost, ReadOnlySpan<T> a, ReadOnlySpan<T> b,
        SinkhornOptions options, Span<T> f, Span<T> g, SinkhornWorkspace<T> workspace, SinkhornTape<T>? tape = null, bool warmStart = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (cost is ImageGridCost grid && tape is null && !warmStart)
        {
            var source = GridWindow.Around(a, grid.Height, grid.Width);
            var target = b.IsEmpty ? source : GridWindow.Around(b, grid.Height, grid.Width);
            if (source.Count < a.Length || target.Count < a.Length) return SolveCropped(grid, source, target, a, b, options, f, g, workspace);
        }
        return SolveOn(cost, a, b, options, f, g, workspace, tape, warmStart);
    }

    /// <summary>A problem on an image grid whose measures leave rows or columns empty, solved on
    /// the windows around their mass (GridWindowCost): every soft-min shrinks to those
    /// windows (a 20 x 20 digit on the 28 x 28 grid: (20/28)^3 of the multiply-adds, half of
    /// the exps and logs), and the iterates inside them are the whole problem's, because the
    /// pixels outside carry no mass. The potentials where there is no mass (outside the
    /// windows, and the pixels of zero weight inside, whose logs the soft-mins skip) are then
    /// each the soft-min of the other side's, f = kappa softmin(g) and g = kappa softmin(f):
    /// the extension a zero weight gets at a fixed point, which the gradient with respect to
    /// the weights reads there.</summary>
    private static (double, double, int, SinkhornStatus) SolveCropped<T>(ImageGridCost grid, GridWindow source, GridWindow target,
        ReadOnlySpan<T> a, ReadOnlySpan<T> b, SinkhornOptions options, Span<T> f, Span<T> g, SinkhornWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool self = b.IsEmpty;
        int width = grid.Width;
        int n = source.Count, m = self ? 0 : target.Count;
        Span<T> aw = workspace.Window(0, n), bw = workspace.Window(1, m), fw = workspace.Window(2, n), gw = workspace.Window(3, m);
        source.Gather(a, width, aw);
        if (!self) target.Gather(b, width, bw);
        bool[] sourceMass = workspace.Positive(0, aw);
        var cost = new GridWindowCost(grid, source, target, sourceMass, self ? sourceMass : workspace.Positive(1, bw));
        var solved = SolveOn<T>(cost, aw, self ? default : bw, options, fw, gw, workspace);

        // Where there is no mass, from the whole grid: f from g (or a self-term's f from f).
        var whole = new GridWindow(0, 0, grid.Height, width);
        T eps = T.CreateTruncating(options.Epsilon), damping = T.CreateTruncating(options.Damping(options.Epsilon));
        Span<T> h = workspace.H(Math.Max(a.Length, Math.Max(source.Count, target.Count)));
        var toSource = new GibbsKernel<T>(new GridWindowCost(grid, whole, target), eps, workspace.SoftMin);
        if (self) UpdateF(toSource, fw, workspace.LogA(aw), h, f, damping);
        else UpdateF(toSource, gw, workspace.LogB(bw), h, f, damping);
        source.ScatterWhere<T>(fw, aw, f, width);
        if (!self)
        {
            var toTarget = new GibbsKernel<T>(new GridWindowCost(grid, source, whole), eps, workspace.SoftMin);
            UpdateG(toTarget, fw, workspace.LogA(aw), h, g, damping);
            target.ScatterWhere<T>(gw, bw, g, width);
        }
        return solved;
    }

    /// <summary>SolveOne on the cost as given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // its loop runs once per problem: a short job would run it as tier-0 code
    private static (double, double, int, SinkhornStatus) SolveOn<T>(GroundCost cost, ReadOnlySpan<T> a, ReadOnlySpan<T> b,
        SinkhornOptions options, Span<T> f, Span<T> g, SinkhornWorkspace<T> workspace, SinkhornTape<T>? tape = null, bool warmStart = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool self = b.IsEmpty;
        int n = a.Length, m = self ? n : b.Length;
        ReadOnlySpan<T> logA = workspace.LogA(a), logB = self ? default : workspace.LogB(b);
        Span<T> h = workspace.H(Math.Max(n, m)), fNext = workspace.FNext(n);
        Span<T> gNext = options.OverRelaxation != 1 ? workspace.GNext(m) : default;
        T omega = T.CreateTruncating(options.OverRelaxation), half = T.CreateTruncating(0.5);
        double rho = options.MarginalPenalty;
        if (!warmStart)
        {
            f.Clear();
            g.Clear();
        }
        tape?.Begin(options.Epsilon, options.MarginalPenalty, n, m, options.MaxIterations);
        double mass = 0;
        foreach (T w in a) mass += double.CreateTruncating(w);

        // Epsilon scaling: one iteration per stage, from the largest cost down to the target.
        bool consistent = self; // does g equal softmin(f)? (a self-term has no g)
        if (options.EpsilonScaling > 0)
        {
            for (double e = cost.MaxCost(); e > options.Epsilon; e *= options.EpsilonScaling)
            {
                var stage = new GibbsKernel<T>(cost, T.CreateTruncating(e), workspace.SoftMin);
                T stageDamping = T.CreateTruncating(options.Damping(e));
                if (self)
                {
                    UpdateG(stage, f, logA, h, fNext, stageDamping);
                    Relax(f, fNext, half, f); // the averaged step: a relaxation with omega = 1/2
                    continue;
                }
                UpdateF(stage, g, logB, h, f, stageDamping);
                UpdateG(stage, f, logA, h, g, stageDamping);
                consistent = true;
            }
        }

        T eps = T.CreateTruncating(options.Epsilon), damping = T.CreateTruncating(options.Damping(options.Epsilon));
        var kernel = new GibbsKernel<T>(cost, eps, workspace.SoftMin);
        double error = double.NaN;
        int iteration = 0;
        SinkhornStatus status = SinkhornStatus.MaxIterations;
        while (true)
        {
            // A self-term's f update is the soft-min of f itself (the cost is symmetric).
            if (self) UpdateG(kernel, f, logA, h, fNext, damping);
            else UpdateF(kernel, g, logB, h, fNext, damping);
            bool check = consistent && (iteration == options.MaxIterations || iteration % options.CheckEvery == 0);
            if (check)
            {
                // Row marginals of the current pair: (P 1)_i = a_i exp((f_i - fNext_i / kappa) / eps).
                error = RowMarginalError(a, f, fNext, eps, damping, rho, workspace.Ratio(n));
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
                UpdateG(kernel, f, logA, h, gNext, damping);
                Relax(g, gNext, omega, g);
            }
            else UpdateG(kernel, f, logA, h, g, damping);
            tape?.Record(f, g);
            consistent = !relax;
            iteration++;
        }

        double value = options.Unbalanced ? (self ? UnbalancedValue(a, f, a, f, rho, options.Epsilon) : UnbalancedValue(a, f, b, g, rho, options.Epsilon))
            : self ? 2 * WeightedSum(a, f) : WeightedSum(a, f) + WeightedSum(b, g);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per check of each problem: never tier-0 code
    internal static double PrecisionFloor<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> f, ReadOnlySpan<T> b, ReadOnlySpan<T> g, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double unitRoundoff = double.CreateTruncating(T.BitIncrement(T.One) - T.One) / 2; // 2^-53 double, 2^-24 float
        return 4 * unitRoundoff * (MaxAbs(a, f) + MaxAbs(b, g)) / epsilon;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>The dual objective of unbalanced entropic OT (Sejourne et al. 2019, eq. 8),
    ///     rho &lt;a, 1 - exp(-f/rho)&gt; + rho &lt;b, 1 - exp(-g/rho)&gt; - eps &lt;a x b, exp((f + g - C)/eps) - 1&gt;,
    /// at a pair with g = kappa softmin(f), where the plan's mass is &lt;b, exp(-g/rho)&gt;, so
    /// the last term is eps (m(a) m(b) - &lt;b, exp(-g/rho)&gt;) with no pass over the costs. It
    /// equals the primal &lt;P, C&gt; + eps KL(P | a x b) + rho KL(P 1 | a) + rho KL(P^T 1 | b) at
    /// the optimum. A self-term passes (a, f) twice.</summary>
    internal static double UnbalancedValue<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> f, ReadOnlySpan<T> b, ReadOnlySpan<T> g, double rho, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (double gainA, _, double massA) = RelaxedTerms(a, f, rho);
        (double gainB, double planMass, double massB) = RelaxedTerms(b, g, rho);
        return gainA + gainB - epsilon * (planMass - massA * massB);
    }

    /// <summary>Over the positive weights: (sum w rho (1 - exp(-p/rho)), sum w exp(-p/rho), sum w).
    /// 1 - exp(-x) goes through ExpM1 so that large rho keeps its digits.</summary>
    internal static (double Gain, double Marginal, double Mass) RelaxedTerms<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> p, double rho)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double gain = 0, marginal = 0, mass = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double wi = double.CreateTruncating(w[i]);
            if (wi <= 0) continue;
            double shrink = ExpM1(-double.CreateTruncating(p[i]) / rho); // exp(-p/rho) - 1
            gain -= wi * rho * shrink;
            marginal += wi * (1 + shrink);
            mass += wi;
        }
        return (gain, marginal, mass);
    }

    /// <summary>exp(x) - 1 to full relative precision near 0 (Kahan's correction: the
    /// rounding of exp(x) divided out by log of the same rounded value).</summary>
    internal static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        return um1 == -1 ? -1 : double.IsInfinity(u) ? u : um1 * x / Math.Log(u);
    }

    /// <summary>f = kappa softmin over j of (C_ij - g_j) weighted by b: h = g / eps + log b
    /// (kappa = 1 balanced, rho / (rho + eps) unbalanced).</summary>
    // Not inlined (see GibbsKernel: keeps the solver loop within the JIT's inlining budget), and
    // fully optimised from the first call (see ImageGridCost.SoftMin).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void UpdateF<T>(in GibbsKernel<T> kernel, ReadOnlySpan<T> g, ReadOnlySpan<T> logB, Span<T> h, Span<T> f, T damping)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> hb = h[..g.Length];
        ScaledPlus(g, T.One / kernel.Epsilon, logB, hb);
        kernel.SoftMin(SoftMinAxis.OverColumns, hb, f);
        if (damping != T.One) Scale(f, damping);
    }

    /// <summary>g = kappa softmin over i of (C_ij - f_i) weighted by a: h = f / eps + log a.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void UpdateG<T>(in GibbsKernel<T> kernel, ReadOnlySpan<T> f, ReadOnlySpan<T> logA, Span<T> h, Span<T> g, T damping)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> ha = h[..f.Length];
        ScaledPlus(f, T.One / kernel.Epsilon, logA, ha);
        kernel.SoftMin(SoftMinAxis.OverRows, ha, g);
        if (damping != T.One) Scale(g, damping);
    }

    /// <summary>result = x scale + y: TensorPrimitives.MultiplyAdd as a loop of our own, fully
    /// optimised from its first call (a short job under tiered compilation otherwise runs the
    /// library's as tier-0 code; docs/PERFORMANCE.md, "Under .NET's default tiered compilation").</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ScaledPlus<T>(ReadOnlySpan<T> x, T scale, ReadOnlySpan<T> y, Span<T> result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var s = Vector256.Create(scale);
            for (; i <= result.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.Create(x.Slice(i, Vector256<T>.Count)) * s + Vector256.Create(y.Slice(i, Vector256<T>.Count))).CopyTo(result.Slice(i, Vector256<T>.Count));
        }
        for (; i < result.Length; i++) result[i] = x[i] * scale + y[i];
    }

    /// <summary>x *= factor, as ScaledPlus a loop of our own (the unbalanced damping, every
    /// half-iteration).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Scale<T>(Span<T> x, T factor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var s = Vector256.Create(factor);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.Create(x.Slice(i, Vector256<T>.Count)) * s).CopyTo(x.Slice(i, Vector256<T>.Count));
        }
        for (; i < x.Length; i++) x[i] *= factor;
    }

    /// <summary>x = (1 - omega) old + omega update (in place when x is old); where old is not
    /// finite, x = update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loops are never tier-0 code (see ImageGridCost.SoftMin)
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

    /// <summary>The L1 error of the row marginals against their fixed point, with one
    /// vectorised exp: the current plan has (P 1)_i = a_i exp((f_i - fNext_i / kappa) / eps),
    /// which must equal a_i (balanced) or a_i exp(-f_i / rho) (unbalanced: at the fixed point
    /// fNext = f, and (1 - 1/kappa) / eps = -1/rho).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // as ScaledPlus
    internal static double RowMarginalError<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> f, ReadOnlySpan<T> fNext, T eps, T damping, double rho, Span<T> ratio)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // ratio = exp((f - fNext / kappa) / eps), with the runtime's vector exp (it handles
        // every input: the ratio of a far-off pair can overflow).
        T inverseDamping = T.One / damping, inverseEps = T.One / eps;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            Vector256<T> k = Vector256.Create(inverseDamping), e = Vector256.Create(inverseEps);
            for (; i <= ratio.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> x = (Vector256.Create(f.Slice(i, Vector256<T>.Count)) - Vector256.Create(fNext.Slice(i, Vector256<T>.Count)) * k) * e;
                VectorMath.Exp(x).CopyTo(ratio.Slice(i, Vector256<T>.Count));
            }
        }
        for (; i < ratio.Length; i++) ratio[i] = T.Exp((f[i] - fNext[i] * inverseDamping) * inverseEps);
        bool balanced = double.IsPositiveInfinity(rho);
        double error = 0;
        for (i = 0; i < a.Length; i++)
        {
            if (a[i] <= T.Zero) continue;
            double target = balanced ? 1 : Math.Exp(-double.CreateTruncating(f[i]) / rho);
            error += double.CreateTruncating(a[i]) * Math.Abs(target - double.CreateTruncating(ratio[i]));
        }
        return error;
    }
}
