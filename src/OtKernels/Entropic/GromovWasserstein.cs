// Entropic Gromov–Wasserstein (Peyré, Cuturi, Solomon 2016, "PCS") and its fused variant
// (Vayer et al. 2019): over couplings T of (p, q), minimise
//     E(T) = alpha GW(T) + (1 - alpha) <M, T> + eps KL(T | p q^T),
//     GW(T) = sum_{i,j,k,l} L(C1_ik, C2_jl) T_ij T_kl,
// (alpha = 1 and no M: plain GW) by PCS's projected mirror descent with step 1/eps (PCS,
// Prop. 2 and Algorithm 1): T <- Sinkhorn(p, q, grad E_0(T), eps), grad GW = 2 tens(T). For a
// loss L(a, b) = f1(a) + f2(b) - h1(a) h2(b) (PCS, Prop. 1),
//     tens(T) = f1(C1) p 1^T + 1 q^T f2(C2)^T - h1(C1) T h2(C2)^T,
// two matrix products of O(n^2 m + n m^2), never the n^2 m^2 tensor. A fixed point is a
// stationary point of E on the couplings (the envelope theorem then gives the gradients,
// GromovWassersteinBackward). E is not convex: PCS start at p q^T, as POT does; further
// seeded random starts keep the lowest E. Each Sinkhorn projection is Sinkhorn.SolveOne on
// the dense gradient, in the log domain; problems of a batch run in parallel.
using System.Numerics.Tensors;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.LinearAlgebra;

namespace OtKernels.Entropic;

/// <summary>One (fused) Gromov–Wasserstein problem: masses p [n] and q [m], the symmetric
/// structure matrices C1 [n, n] and C2 [m, m] (row-major: distances within each space), and for the
/// fused variant a feature cost Features [n, m] between the spaces.</summary>
public sealed record GromovWassersteinProblem(double[] P, double[] Q, double[] C1, double[] C2)
{
    /// <summary>The feature cost M [n, m] of fused GW, or null for plain GW.</summary>
    public double[]? Features { get; init; }

    /// <summary>The weight alpha of the structure term of fused GW, in [0, 1] (POT's alpha);
    /// the features weigh 1 - alpha. Plain GW (no Features) needs 1, its default.</summary>
    public double Alpha { get; init; } = 1;
}

/// <summary>How the outer iterations of a Gromov–Wasserstein solve ended.</summary>
public enum GromovWassersteinStatus
{
    /// <summary>The coupling moved less than the tolerance, and its last projection converged
    /// (or reached the precision's floor, Sinkhorn's PrecisionLimit).</summary>
    Converged,
    /// <summary>The iteration limit came first, or the last projection did not converge.</summary>
    MaxIterations,
    /// <summary>A projection diverged (a potential or the value is not finite).</summary>
    Diverged,
}

/// <summary>Entropic (fused) Gromov–Wasserstein, batched; gradients in OtKernels.Autodiff
/// (GromovWassersteinBackward).</summary>
public static partial class GromovWasserstein
{
    /// <summary>Plain entropic GW between two spaces: masses p, q and structure matrices C1 [n, n], C2 [m, m].</summary>
    /// <exception cref="ArgumentException">Bad masses, shapes or entries, named.</exception>
    public static GromovWassersteinResult Solve(double[] p, double[] q, double[] c1, double[] c2, GromovWassersteinOptions options) =>
        SolveBatch([new GromovWassersteinProblem(p, q, c1, c2)], options)[0];

    /// <summary>Entropic fused GW: the structure term weighted alpha, the feature cost M [n, m] 1 - alpha.</summary>
    /// <exception cref="ArgumentException">Bad masses, shapes or entries, or alpha outside [0, 1].</exception>
    public static GromovWassersteinResult SolveFused(double[] p, double[] q, double[] c1, double[] c2, double[] features, double alpha,
        GromovWassersteinOptions options) =>
        SolveBatch([new GromovWassersteinProblem(p, q, c1, c2) { Features = features, Alpha = alpha }], options)[0];

    /// <summary>Problems of any shapes, in parallel; result k is problem k's.</summary>
    /// <exception cref="ArgumentException">A bad problem: the message names it and the index.</exception>
    public static GromovWassersteinResult[] SolveBatch(IReadOnlyList<GromovWassersteinProblem> problems, GromovWassersteinOptions options)
    {
        Validate(problems, options);
        var results = new GromovWassersteinResult[problems.Count];
        // Every step's Sinkhorn runs on a stored kernel, whatever its size: the solver keeps
        // several n x m arrays already, and the kernel saves an exp per entry and iteration
        // (n = m = 300: 8.7 s -> 4.2 s).
        BatchErrors.For(problems.Count, options.MaxDegreeOfParallelism, NewWorkspace, (k, workspace) =>
            results[k] = SolveOne(Prepared.Of(problems, k, options.Loss), options, workspace));
        return results;
    }

    /// <summary>A batch and its options checked, before any problem is.</summary>
    private static void Validate(IReadOnlyList<GromovWassersteinProblem> problems, GromovWassersteinOptions options)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (problems.Count == 0) throw new ArgumentException("The batch is empty.", nameof(problems));
    }

    private static SinkhornWorkspace<double> NewWorkspace() => new() { SoftMin = { StoredEntriesLimit = long.MaxValue } };

    /// <summary>A validated problem with the parts of tens(T) that do not depend on T:
    /// rowTerm = f1(C1) p, colTerm = f2(C2) q and h2(C2); h1(C1) is C1 for both losses.</summary>
    internal sealed record Prepared(GromovWassersteinProblem Problem, double[] P, double[] Q, double[] RowTerm, double[] ColTerm, double[] H2)
    {
        /// <summary>The KL loss's log(b + 1e-15), as POT's: a zero distance (a diagonal) against
        /// a zero costs 0, as the loss's limit does; against a positive a it costs a finite
        /// a log(a / 1e-15), where the loss itself is infinite.</summary>
        public const double KlFloor = 1e-15;

        public int N => P.Length;
        public int M => Q.Length;

        /// <summary>Problem k of a batch validated, with its loss's parts; a null one named.</summary>
        public static Prepared Of(IReadOnlyList<GromovWassersteinProblem> problems, int k, GromovLoss loss) =>
            Of(problems[k] ?? throw new ArgumentNullException(nameof(problems), $"problems[{k}] is null."), loss);

        /// <summary>The problem validated, with its loss's parts (PCS, Prop. 1).</summary>
        public static Prepared Of(GromovWassersteinProblem problem, GromovLoss loss)
        {
            int n = problem.P?.Length ?? 0, m = problem.Q?.Length ?? 0;
            double[] p = (double[])(problem.P ?? throw new ArgumentNullException(nameof(problem), "P is null.")).Clone();
            double[] q = (double[])(problem.Q ?? throw new ArgumentNullException(nameof(problem), "Q is null.")).Clone();
            double scaleQ = MassBalance.Scales(p, q, 1e-6, normalize: false, "p", "q").ScaleB;
            if (scaleQ != 1) TensorPrimitives.Multiply(q, scaleQ, q);
            CheckMatrix(problem.C1, n, n, "C1");
            CheckMatrix(problem.C2, m, m, "C2");
            CheckSymmetric(problem.C1, n, "C1");
            CheckSymmetric(problem.C2, m, "C2");
            if (problem.Features is { } features) CheckMatrix(features, n, m, "Features");
            if (!(problem.Alpha >= 0 && problem.Alpha <= 1))
                throw new ArgumentOutOfRangeException(nameof(problem), problem.Alpha, "Alpha must be in [0, 1].");
            if (problem.Features is null && problem.Alpha != 1)
                throw new ArgumentException($"Alpha is {problem.Alpha} but there are no Features: plain GW has alpha 1.", nameof(problem));
            return new Prepared(problem, p, q, new double[n], new double[m], new double[m * m]).Fill(loss);
        }

        /// <summary>Fills the loss's parts, checking the KL loss's domain.</summary>
        private Prepared Fill(GromovLoss loss)
        {
            double[] c1 = Problem.C1, c2 = Problem.C2;
            bool kl = loss == GromovLoss.KL;
            if (kl)
            {
                for (int e = 0; e < c1.Length; e++)
                    if (c1[e] < 0) throw new ArgumentException($"C1[{e / N}, {e % N}] is {c1[e]}; the KL loss needs C1 >= 0.", "C1");
                for (int e = 0; e < c2.Length; e++)
                    if (c2[e] < 0) throw new ArgumentException($"C2[{e / M}, {e % M}] is {c2[e]}; the KL loss needs C2 >= 0.", "C2");
            }
            for (int i = 0; i < N; i++)
            {
                double sum = 0;
                for (int k = 0; k < N; k++)
                {
                    double a = c1[i * N + k];
                    sum += (kl ? (a > 0 ? a * Math.Log(a) : 0) - a : a * a) * P[k];
                }
                RowTerm[i] = sum;
            }
            for (int j = 0; j < M; j++)
            {
                double sum = 0;
                for (int l = 0; l < M; l++)
                {
                    double b = c2[j * M + l];
                    sum += (kl ? b : b * b) * Q[l];
                    H2[j * M + l] = kl ? Math.Log(b + KlFloor) : 2 * b;
                }
                ColTerm[j] = sum;
            }
            return this;
        }

        /// <summary>The mirror step's gradient 2 tens(T) is GW's only for symmetric structure
        /// matrices (distances are), as in PCS and POT; anything else is refused.</summary>
        private static void CheckSymmetric(double[] c, int n, string name)
        {
            double tolerance = 1e-12 * TensorPrimitives.MaxMagnitude<double>(c);
            for (int i = 0; i < n; i++)
                for (int k = i + 1; k < n; k++)
                    if (Math.Abs(c[i * n + k] - c[k * n + i]) > tolerance)
                        throw new ArgumentException($"{name}[{i}, {k}] is {c[i * n + k]} but {name}[{k}, {i}] is {c[k * n + i]}; structure matrices must be symmetric.", name);
        }

        private static void CheckMatrix(double[]? values, int rows, int cols, string name)
        {
            if (values is null) throw new ArgumentNullException(name, $"{name} is null.");
            ThrowHelper.ThrowIfLengthMismatch(values.Length, rows * cols, name, $"a {rows} x {cols} matrix");
            ThrowHelper.ThrowIfNotFinite(values, name);
        }
    }

    private static GromovWassersteinResult SolveOne(Prepared problem, GromovWassersteinOptions options, SinkhornWorkspace<double> workspace)
    {
        int n = problem.N, m = problem.M;
        SinkhornOptions inner = InnerOptions(options);
        GromovWassersteinResult? best = null;
        for (int start = 0; start < options.Initializations; start++)
        {
            var result = new GromovWassersteinResult(problem, options, StartingCoupling(problem, options, start, workspace), start);
            Descend(problem, options, inner, result, workspace);
            best = Better(best, result);
        }
        return best!;
    }

    /// <summary>Steps in a row whose coupling changed less than the tolerance after a cut-off
    /// projection before a run ends MaxIterations (Descend).</summary>
    internal const int UnfinishedSteps = 16;

    /// <summary>The Sinkhorn projection of every outer step.</summary>
    // Over-relaxed inner steps (omega 1.5; Thibault et al. 2021): near a nearly deterministic
    // coupling the plain steps contract slowly, and a generated KL case (eps 0.05, 5 x 7)
    // needed more than 10,000 of them per step for the 1e-12 tolerance. The fixed point, and
    // so every result within the tolerance, is the same.
    internal static SinkhornOptions InnerOptions(GromovWassersteinOptions options) =>
        new() { Epsilon = options.Epsilon, Tolerance = options.InnerTolerance, MaxIterations = options.InnerMaxIterations, OverRelaxation = 1.5 };

    /// <summary>The start kept of two: the lower entropic objective, a finite one over NaN.</summary>
    internal static GromovWassersteinResult Better(GromovWassersteinResult? best, GromovWassersteinResult candidate) =>
        best is null || candidate.Objective < best.Objective || double.IsNaN(best.Objective) ? candidate : best;

    /// <summary>Start 0 is the product coupling p q^T (PCS's and POT's), start k &gt; 0 a random one (seeded).</summary>
    internal static double[] StartingCoupling(Prepared problem, GromovWassersteinOptions options, int start, SinkhornWorkspace<double> workspace) =>
        start == 0 ? ProductCoupling(problem) : RandomCoupling(problem, InnerOptions(options), options.Seed, start, workspace);

    /// <summary>The mirror-descent iterations from result.Plan, writing the final coupling,
    /// value, objective, iterations and status into result.</summary>
    private static void Descend(Prepared problem, GromovWassersteinOptions options, SinkhornOptions inner, GromovWassersteinResult result,
        SinkhornWorkspace<double> workspace)
    {
        int n = problem.N, m = problem.M;
        double[] plan = result.Plan, tens = new double[n * m], gradient = new double[n * m], scratch = new double[n * m];
        double[] f = new double[n], g = new double[m];
        GromovWassersteinStatus status = GromovWassersteinStatus.MaxIterations;
        int iteration = 0, unfinished = 0;
        while (iteration < options.MaxIterations)
        {
            StepCost(problem, plan, gradient, tens, scratch);
            // Warm: the previous step's potentials, for a cost that moved little (near the
            // fixed point, a nearly deterministic plan takes Sinkhorn thousands of cold iterations).
            (_, _, _, SinkhornStatus innerStatus) = Sinkhorn.SolveOne<double>(new DenseCost(gradient, n, m), problem.P, problem.Q, inner, f, g, workspace,
                warmStart: iteration > 0);
            iteration++;
            if (innerStatus == SinkhornStatus.Diverged) { status = GromovWassersteinStatus.Diverged; break; }
            double change = PlanFromPotentials(problem, gradient, f, g, options.Epsilon, plan);
            if (change > options.Tolerance) { unfinished = 0; continue; }
            // A projection at the precision's floor (PrecisionLimit) is as close as double gets.
            if (innerStatus is SinkhornStatus.Converged or SinkhornStatus.PrecisionLimit)
            {
                status = GromovWassersteinStatus.Converged;
                break;
            }
            // A small change after a projection cut off at InnerMaxIterations: the coupling barely
            // moved because the projection stopped, so the next steps, warm-started, go on with it,
            // UnfinishedSteps of them at most. Stopping at the first ended a random start (fused
            // KL, eps 0.05, 7 x 5) MaxIterations after 3 steps, 1.2e-3 short of the objective it
            // converges to at step 7; going on without a limit ran 1,000 steps where the
            // projection never finishes (10 points at eps 3e-3: 4 s instead of 0.5).
            if (++unfinished == UnfinishedSteps) break;
        }
        double value = Value(problem, plan, tens, scratch), kl = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double t = plan[i * m + j], reference = problem.P[i] * problem.Q[j];
                if (reference > 0) kl += (t > 0 ? t * Math.Log(t / reference) : 0) - t + reference;
            }
        }
        result.Finish(value, value + options.Epsilon * kl, iteration, double.IsFinite(value) ? status : GromovWassersteinStatus.Diverged);
    }

    /// <summary>The mirror step's cost at T, 2 alpha tens(T) + (1 - alpha) M, into cost (tens
    /// and scratch [n, m] its workspace).</summary>
    internal static void StepCost(Prepared problem, ReadOnlySpan<double> plan, Span<double> cost, Span<double> tens, Span<double> scratch)
    {
        double alpha = problem.Problem.Alpha;
        Tensor(problem, plan, tens, scratch);
        TensorPrimitives.Multiply(tens, 2 * alpha, cost);
        if (problem.Problem.Features is { } features) TensorPrimitives.MultiplyAdd(features, 1 - alpha, cost, cost);
    }

    /// <summary>alpha &lt;tens(T), T&gt; + (1 - alpha) &lt;M, T&gt;, the value POT returns (tens and
    /// scratch [n, m] its workspace).</summary>
    internal static double Value(Prepared problem, ReadOnlySpan<double> plan, Span<double> tens, Span<double> scratch)
    {
        double alpha = problem.Problem.Alpha;
        Tensor(problem, plan, tens, scratch);
        double value = alpha * TensorPrimitives.Dot<double>(tens, plan);
        return problem.Problem.Features is { } features ? value + (1 - alpha) * TensorPrimitives.Dot<double>(features, plan) : value;
    }

    /// <summary>tens(T) = rowTerm 1^T + 1 colTerm^T - h1(C1) T h2(C2)^T (PCS, Prop. 1), with
    /// scratch [n, m] for h1(C1) T; two register-tiled products, O(n^2 m + n m^2). h2(C2) is
    /// symmetric (C2 is checked to be), so its transpose is itself and both products are
    /// plain row-major ones.</summary>
    internal static void Tensor(Prepared problem, ReadOnlySpan<double> plan, Span<double> tens, Span<double> scratch)
    {
        int n = problem.N, m = problem.M;
        SmallMatrix.Multiply<double>(problem.Problem.C1, plan, scratch, n, n, m);
        SmallMatrix.Multiply<double>(scratch, problem.H2, tens, n, m, m);
        for (int i = 0; i < n; i++)
        {
            Span<double> row = tens.Slice(i * m, m);
            TensorPrimitives.Subtract(problem.ColTerm, row, row);
            TensorPrimitives.Add(row, problem.RowTerm[i], row);
        }
    }

    /// <summary>T_ij = p_i q_j exp((f_i + g_j - C_ij) / eps) into plan; returns the Frobenius
    /// norm of the change.</summary>
    private static double PlanFromPotentials(Prepared problem, double[] cost, double[] f, double[] g, double epsilon, double[] plan)
    {
        int n = problem.N, m = problem.M;
        double change = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double w = problem.P[i] * problem.Q[j];
                double t = w > 0 ? w * Math.Exp((f[i] + g[j] - cost[i * m + j]) / epsilon) : 0;
                double d = t - plan[i * m + j];
                change += d * d;
                plan[i * m + j] = t;
            }
        }
        return Math.Sqrt(change);
    }

    private static double[] ProductCoupling(Prepared problem)
    {
        int n = problem.N, m = problem.M;
        var plan = new double[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) plan[i * m + j] = problem.P[i] * problem.Q[j];
        return plan;
    }

    /// <summary>A random coupling of (p, q): the entropic plan of a seeded cost uniform in
    /// [0, 4 eps), whose entries vary by up to a factor e^4 around p q^T; the same in every
    /// process (Seeds).</summary>
    private static double[] RandomCoupling(Prepared problem, SinkhornOptions inner, int seed, int start, SinkhornWorkspace<double> workspace)
    {
        int n = problem.N, m = problem.M;
        var random = Seeds.Generator(seed, start);
        var cost = new double[n * m];
        for (int e = 0; e < cost.Length; e++) cost[e] = 4 * inner.Epsilon * random.NextDouble();
        double[] f = new double[n], g = new double[m], plan = new double[n * m];
        Sinkhorn.SolveOne<double>(new DenseCost(cost, n, m), problem.P, problem.Q, inner, f, g, workspace);
        PlanFromPotentials(problem, cost, f, g, inner.Epsilon, plan);
        return plan;
    }
}

/// <summary>A solved (fused) Gromov–Wasserstein problem: the coupling and its values.</summary>
public sealed class GromovWassersteinResult
{
    internal GromovWassersteinResult(GromovWasserstein.Prepared problem, GromovWassersteinOptions options, double[] plan, int start)
    {
        Problem = problem;
        Options = options;
        Plan = plan;
        Start = start;
    }

    internal GromovWasserstein.Prepared Problem { get; }
    internal GromovWassersteinOptions Options { get; }

    /// <summary>Source points.</summary>
    public int N => Problem.N;
    /// <summary>Target points.</summary>
    public int M => Problem.M;
    /// <summary>The coupling T, row-major n x m.</summary>
    public double[] Plan { get; }
    /// <summary>alpha GW(T) + (1 - alpha) &lt;M, T&gt; without the entropic term: the value
    /// POT's entropic_gromov_wasserstein2 (and the fused one) returns.</summary>
    public double Value { get; private set; }
    /// <summary>Value + eps KL(T | p q^T), what the iterations minimise (and what the
    /// gradients differentiate).</summary>
    public double Objective { get; private set; }
    /// <summary>Outer iterations of the kept start.</summary>
    public int Iterations { get; private set; }
    /// <summary>How the kept start ended.</summary>
    public GromovWassersteinStatus Status { get; private set; }
    /// <summary>The start kept: 0 the product coupling, k &gt; 0 the k-th random one.</summary>
    public int Start { get; }

    internal void Finish(double value, double objective, int iterations, GromovWassersteinStatus status) =>
        (Value, Objective, Iterations, Status) = (value, objective, iterations, status);
}
