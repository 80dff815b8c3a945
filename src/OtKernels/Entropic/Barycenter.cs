// Fixed-support Wasserstein barycenters by iterative Bregman projections (Benamou, Carlier,
// Cuturi, Nenna, Peyre 2015, section 3.2), in the log domain: the barycenter b of inputs a_k
// with weights lambda_k minimises sum_k lambda_k OT_eps(a_k, b). Each input k has a plan
// P_k = diag(u_k) K diag(v_k); the projections alternate
//     u_k = a_k / (K v_k)                        (rows of P_k match a_k)
//     b   = prod_k (K^T u_k)^lambda_k            (the geometric mean, eq. 3.6)
//     v_k = b / (K^T u_k)                        (columns of P_k match b)
// written with potentials F_k = eps log u_k and log v_k = G_k, so that every product with K
// is a soft-min of the geometry (GroundCost.SoftMin: a stored kernel for small costs, the
// separable Gaussian on image grids, a log-sum-exp otherwise) and small eps cannot
// underflow. The stopping rule is POT's (_barycenter_sinkhorn_log): every CheckEvery
// iterations, sum_j std_k (v_k K^T u_k)_j, how far the inputs' second marginals disagree.
// On image grids POT's kernel form of these projections runs instead, with K applied by
// separable blurs (Barycenter.Grid.cs; options.Domain): 5x faster than the log domain on
// MNIST, where eps is large enough for its kernel (KernelDomainFits).
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using OtKernels.Geometry;
using OtKernels.LinearAlgebra;

namespace OtKernels.Entropic;

public static partial class Barycenter
{
    /// <summary>The barycenter on the cost's columns of histograms [K, n] on its rows.</summary>
    /// <param name="weights">lambda [K], nonnegative, normalised to sum 1; empty for uniform.</param>
    /// <exception cref="ArgumentException">Bad histograms (NaN, negative, all zero, a length
    /// that is not K n) or weights, the message naming the histogram and index; or
    /// options.Domain Kernel on a cost that is not an ImageGridCost.</exception>
    public static BarycenterResult Bregman(ReadOnlySpan<double> histograms, ReadOnlySpan<double> weights, GroundCost cost, BarycenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Domain == BarycenterDomain.Kernel && cost is not ImageGridCost)
            throw new ArgumentException($"options.Domain Kernel needs an ImageGridCost (a separable kernel), not a {cost.GetType().Name}.", nameof(options));
        int n = cost.Rows, m = cost.Cols;
        double[] a = Normalised(histograms, n, out int count);
        double[] lambda = Weights(weights, count);
        double eps = options.Epsilon;
        if (cost is ImageGridCost grid && (options.Domain == BarycenterDomain.Kernel
            || (options.Domain == BarycenterDomain.Auto && KernelDomainFits(grid, eps))))
            return OnGrid(grid, a, lambda, options, GridUpdate.Benamou);

        var logA = new double[count * n];
        for (int i = 0; i < logA.Length; i++) logA[i] = a[i] > 0 ? Math.Log(a[i]) : double.NegativeInfinity;
        var f = new double[count * n];           // F_k = eps log u_k
        var g = new double[count * m];           // G_k = log v_k
        var logKu = new double[count * m];       // log (K^T u_k)
        var logBar = new double[m];
        var means = new double[m];
        var deviations = new double[m];          // std_k exp(G_k + log K^T u_k), per column
        int workers = ThreadTeam.Workers((long)count * n * m, SmallLogDomainWork, count, options.MaxDegreeOfParallelism);
        double error = double.NaN;
        int iterations = 0;
        var status = SinkhornStatus.MaxIterations;
        // On a team of threads (ThreadTeam), so that each worker makes its Gibbs kernel once
        // for the solve: a Parallel.For per iteration made it every iteration, n m exps each
        // time, more than the soft-mins it serves cost (two 100-bin histograms, eps 1e-2:
        // 140-290 us per iteration before, 7.4-10 after, the same bits). Per iteration: the
        // inputs' soft-mins, each worker on its inputs; then each worker on its share of the
        // columns: the barycenter's log, the spread's deviations (on check iterations) and the
        // next G; then every worker takes the same decision from the same values.
        ThreadTeam.Run(workers, (w, team) =>
        {
            var kernel = new GibbsKernel<double>(cost, eps, new SoftMinWorkspace<double>());
            var h = new double[n];
            var update = options.OverRelaxation != 1 ? new double[n] : null;  // F_k's plain update, to over-relax
            (int start, int end) = team.Share(w, m);
            double spread = double.NaN;
            var outcome = SinkhornStatus.MaxIterations;
            int iteration = 0;
            for (; iteration < options.MaxIterations; iteration++)
            {
                bool check = iteration % options.CheckEvery == 1 % options.CheckEvery;
                (double omega, double omegaF) = options.RelaxationsAt(iteration, check);
                for (int k = w; k < count; k += workers)
                {
                    // u_k: F = eps log a + softmin_j(C - eps G), the soft-min of h = G,
                    // over-relaxed: F += omega (that - F).
                    Span<double> fk = f.AsSpan(k * n, n), plain = omegaF == 1 ? fk : update;
                    kernel.SoftMin(SoftMinAxis.OverColumns, g.AsSpan(k * m, m), plain);
                    TensorPrimitives.MultiplyAdd(logA.AsSpan(k * n, n), eps, plain, plain);
                    if (omegaF != 1) Sinkhorn.Relax<double>(fk, plain, omegaF, fk);
                    // log K^T u_k = -softmin_i(C - F) / eps, the soft-min of h = F / eps.
                    TensorPrimitives.Divide(fk, eps, h);
                    Span<double> lk = logKu.AsSpan(k * m, m);
                    kernel.SoftMin(SoftMinAxis.OverRows, h, lk);
                    TensorPrimitives.Divide(lk, -eps, lk);
                }
                team.Sync();
                ColumnsStep(start, end, check, omega);
                team.Sync();
                if (check && SpreadStatus(deviations, options.Tolerance, out spread) is { } stop) { outcome = stop; break; }
            }
            if (w == 0) (iterations, error, status) = (Math.Min(iteration + 1, options.MaxIterations), spread, outcome);
        });
        var barycenter = new double[m];
        for (int j = 0; j < m; j++) barycenter[j] = Math.Exp(logBar[j]);
        return new BarycenterResult(barycenter, iterations, error, status, BarycenterDomain.Log);

        // Columns [start, end): log b = sum_k lambda_k log K^T u_k (in input order); on check
        // iterations the spread's deviations, from this iteration's G (POT's check, before G
        // moves); then G_k = log b - log K^T u_k, over-relaxed: G_k += omega (that - G_k),
        // which keeps sum_k lambda_k G_k = 0.
        void ColumnsStep(int start, int end, bool check, double omega)
        {
            int length = end - start;
            logBar.AsSpan(start, length).Clear();
            for (int k = 0; k < count; k++)
                for (int j = start; j < end; j++) logBar[j] += logKu[k * m + j] * lambda[k];
            if (check)
            {
                // All inputs as one chunk (ChunkedDeviations), without storing the values.
                Span<double> mean = means.AsSpan(start, length), m2 = deviations.AsSpan(start, length);
                for (int k = 0; k < count; k++)
                    ChunkedDeviations.Add<ExpOfSum>(g.AsSpan(k * m + start, length), logKu.AsSpan(k * m + start, length), k, mean, m2);
                ChunkedDeviations.ToDeviations(m2, count);
            }
            for (int k = 0; k < count; k++)
                for (int j = start; j < end; j++)
                {
                    double plain = logBar[j] - logKu[k * m + j];
                    g[k * m + j] = omega == 1 ? plain : g[k * m + j] + omega * (plain - g[k * m + j]);
                }
        }
    }

    /// <summary>POT's stop on the spread, sum_j of the per-column deviations: Diverged when it is
    /// not finite, Converged below the tolerance, otherwise null (go on).</summary>
    private static SinkhornStatus? SpreadStatus(double[] deviations, double tolerance, out double spread)
    {
        spread = TensorPrimitives.Sum<double>(deviations);
        return !double.IsFinite(spread) ? SinkhornStatus.Diverged : spread < tolerance ? SinkhornStatus.Converged : null;
    }

    /// <summary>count n m below which the log-domain iteration runs on one thread unless asked
    /// for more: a second worker's start and the barriers cost more than it saves (8
    /// histograms of 100 bins, a stored kernel: 34 us per iteration on one thread, 52 on two;
    /// of 200 bins: 186 and 139).</summary>
    private const long SmallLogDomainWork = 1 << 18;

    /// <summary>exp(x + y): the value of a plan's marginal in the log domain, exp(G_k + log K^T u_k).</summary>
    private readonly struct ExpOfSum : Elementwise.IBinary
    {
        public static Vector256<double> Apply(Vector256<double> x, Vector256<double> y) => Elementwise.Exp.Apply(x + y);
        public static double Apply(double x, double y) => Elementwise.Exp.Apply(x + y);
    }

    /// <summary>Each histogram divided by its sum, after validation.</summary>
    internal static double[] Normalised(ReadOnlySpan<double> histograms, int n, out int count)
    {
        if (histograms.IsEmpty || histograms.Length % n != 0)
            throw new ArgumentException($"histograms has length {histograms.Length}, not a positive multiple of the {n} source bins.", nameof(histograms));
        count = histograms.Length / n;
        var a = new double[histograms.Length];
        for (int k = 0; k < count; k++)
        {
            double sum = ThrowHelper.ValidateMasses(histograms.Slice(k * n, n), nameof(histograms), $"histograms[{k}]");
            for (int i = 0; i < n; i++) a[k * n + i] = histograms[k * n + i] / sum;
        }
        return a;
    }

    /// <summary>lambda normalised to sum 1; uniform when empty.</summary>
    internal static double[] Weights(ReadOnlySpan<double> weights, int count)
    {
        if (weights.IsEmpty) return Enumerable.Repeat(1.0 / count, count).ToArray();
        ThrowHelper.ThrowIfLengthMismatch(weights.Length, count, nameof(weights), "one weight per histogram");
        double sum = ThrowHelper.ValidateMasses(weights, nameof(weights));
        var lambda = new double[count];
        for (int k = 0; k < count; k++) lambda[k] = weights[k] / sum;
        return lambda;
    }
}
