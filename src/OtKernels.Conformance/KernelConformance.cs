// The conformance suite of the device kernels: each kernel on a device against the CPU code
// (the reference) on the same generated batch, through the public API a user calls.
// `otk gpu check` prints these rows for every device; the tests run them on ILGPU's CPU
// accelerator with FsCheck-generated cases and on CUDA when present.
//
// Errors are norm-wise: max |device - cpu| / max |cpu| over an output, so that potentials
// near zero do not inflate the ratio (see Compare). The tolerances are those of float32 arithmetic on
// the cases generated here (costs O(1), eps >= 0.05, n, m <= 64): a soft-min sums up to
// 64 terms whose logarithms carry rounding of about C/eps x 6e-8 ~ 1e-6 relative, and a
// run compounds these over its iterations, contractively (Sinkhorn's map is a contraction
// in the Hilbert metric), so 1e-4 holds with margin; the converged mode compares two runs
// that each stop within the marginal tolerance 1e-5 of the same fixed point, so 1e-3.
// On a CUDA device ILGPU compiles the exponentials and logarithms to the special-function
// units (ex2.approx.ftz, lg2.approx): at most 2^-22 relative error per exponential (about 4
// ulp instead of half of one) and 2^-22 absolute per base-2 logarithm, which enlarges the
// per-soft-min rounding above about four-fold, to ~4e-6, still 25x inside 1e-4; the flush to
// zero only drops terms below 2^-126 of the largest, far under float's 2^-24 resolution of
// the sum. ILGPU's CPU accelerator uses .NET's exact functions, so the CUDA run of the suite
// (CudaKernels_MatchTheCpu, `otk gpu check --kind cuda`) is where that margin is measured.
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Conformance;

/// <summary>One generated batch: Batch problems of N x M points in Dimension dimensions,
/// weights with every third one zero when PlantZeros, at regularisation Epsilon, under the
/// ground metric Metric.</summary>
public sealed record ConformanceCase(int Batch, int N, int M, int Dimension, double Epsilon, int Seed, bool PlantZeros = true,
    GroundMetric Metric = GroundMetric.SqEuclidean)
{
    /// <summary>The case as the conformance table prints it.</summary>
    public override string ToString() =>
        $"{Batch} x {N}x{M}, d={Dimension}, eps={Epsilon:G3}" + (Metric == GroundMetric.SqEuclidean ? "" : $", {Metric}");

    /// <summary>The batch of this case, the same for every call.</summary>
    public PointCloudBatch Generate()
    {
        var random = new Random(Seed);
        float[] Points(int count) => Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
        float[] Weights(int count)
        {
            // Normalised in double, then rounded: every problem's mass is 1 within 6e-8.
            var w = new float[Batch * count];
            var raw = new double[count];
            for (int k = 0; k < Batch; k++)
            {
                for (int i = 0; i < count; i++) raw[i] = PlantZeros && count > 1 && (i + k) % 3 == 1 ? 0 : 0.1 + random.NextDouble();
                double sum = raw.Sum();
                for (int i = 0; i < count; i++) w[k * count + i] = (float)(raw[i] / sum);
            }
            return w;
        }
        return new PointCloudBatch(Batch, N, M, Dimension, Points(Batch * N * Dimension), Points(Batch * M * Dimension), Weights(N), Weights(M), Metric);
    }
}

/// <summary>A kernel's agreement with the CPU on one case.</summary>
public sealed record ConformanceRow(string Kernel, string Case, double MaxAbsoluteError, double MaxRelativeError, double Tolerance)
{
    /// <summary>Whether the relative error is within the tolerance.</summary>
    public bool Passed => MaxRelativeError <= Tolerance;
}

/// <summary>Each device kernel against the CPU code, through the public API.</summary>
public static class KernelConformance
{
    /// <summary>The tolerance of fixed-iteration runs and reverse passes (see the file's header).</summary>
    public const double IterationTolerance = 1e-4;

    /// <summary>The tolerance of runs that stop at a marginal tolerance of 1e-5.</summary>
    public const double ConvergedTolerance = 1e-3;

    /// <summary>The kernel names Check accepts, in the order the suite runs them.</summary>
    public static IReadOnlyList<string> Kernels { get; } =
    [
        "Sinkhorn clouds, fixed iterations", "Sinkhorn clouds, tolerance + eps-scaling", "Sinkhorn clouds reverse, converged",
        "Sinkhorn clouds reverse, unrolled", "Sinkhorn divergence", "Sinkhorn divergence reverse", "Sinkhorn dense cost, one against many",
        "Pairwise squared distances", "Barycenter step + mean",
        "Unbalanced Sinkhorn clouds, fixed iterations", "Unbalanced Sinkhorn clouds reverse, unrolled", "Sliced Wasserstein",
        "Gromov–Wasserstein batch",
    ];

    /// <summary>The fixed cases of `otk gpu check`: small and square, ragged with odd sizes,
    /// the largest size the tolerances are stated for, and the Euclidean (W1) cost.</summary>
    public static IReadOnlyList<ConformanceCase> Cases { get; } =
        [new(8, 16, 16, 2, 0.1, 1), new(4, 37, 23, 5, 0.3, 2), new(2, 64, 64, 16, 0.5, 3), new(4, 24, 19, 3, 0.2, 4, Metric: GroundMetric.Euclidean)];

    /// <summary>One kernel on one case, against the CPU.</summary>
    public static ConformanceRow Check(DeviceAccelerator device, string kernel, ConformanceCase c)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(c);
        using var cpu = new CpuAccelerator();
        PointCloudBatch batch = c.Generate();
        var fixedIterations = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 30, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
        var converged = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-5, EpsilonScaling = 0.5 };
        float[] upstream = Enumerable.Range(0, c.Batch).Select(k => 1f + 0.5f * k).ToArray();
        // Each kernel as (tolerance, the outputs of its operation on an accelerator); run on the
        // device and on the CPU, then compared.
        float[][] Unrolled(Accelerator acc) => UnrolledOn(acc, batch, fixedIterations);
        float[][] UnrolledOn(Accelerator acc, PointCloudBatch problems, SinkhornOptions options)
        {
            var (result, gradients) = SinkhornBackward.UnrolledValueAndGradients(acc, problems, options with { MaxIterations = 10 }, upstream);
            return [.. Outputs(gradients), Floats(result.Value)];
        }
        // Unbalanced transport (issue 22): b at 1.5 times a's mass, rho 0.5.
        PointCloudBatch heavier = PointCloudBatch.Unbalanced(c.Batch, c.N, c.M, c.Dimension, batch.X, batch.Y, batch.A,
            batch.B.ToArray().Select(w => 1.5f * w).ToArray(), c.Metric);
        SinkhornOptions relaxed = fixedIterations with { MarginalPenalty = 0.5 };
        // Each problem's clouds as two metric spaces; the value and the entropic objective at
        // the runs' convergence (the couplings, within float's floor of the fixed point, are
        // GromovKernelTests').
        float[][] Gromov(Accelerator acc)
        {
            GromovWassersteinResult[] results = GromovWasserstein.SolveBatch(acc, GromovProblems(batch), new GromovWassersteinOptions { Epsilon = c.Epsilon });
            return [Floats([.. results.Select(r => r.Value)]), Floats([.. results.Select(r => r.Objective)])];
        }
        float[] directions = Array.ConvertAll(SlicedWasserstein.RandomProjections(c.Dimension, 8, c.Seed), v => (float)v);
        float[][] Sliced(Accelerator acc)
        {
            var gradient = new float[batch.X.Length];
            return [Floats(SlicedWasserstein.DistanceBatch(acc, c.Batch, batch.A, batch.B, batch.X, batch.Y, c.Dimension, directions, gradientX: gradient)), gradient];
        }
        (double tolerance, Func<Accelerator, float[][]> run) = kernel switch
        {
            "Sinkhorn clouds, fixed iterations" => (IterationTolerance, acc => Outputs(Sinkhorn.SolveBatch(acc, batch, fixedIterations))),
            "Sinkhorn clouds, tolerance + eps-scaling" => (ConvergedTolerance, acc => Outputs(Sinkhorn.SolveBatch(acc, batch, converged))),
            // The reverse passes at convergence get the CPU's potentials on both sides: this
            // checks the reverse kernel, not the forward.
            "Sinkhorn clouds reverse, converged" => (IterationTolerance, Reverse(Sinkhorn.SolveBatch(cpu, batch, converged),
                (acc, forward) => Outputs(SinkhornBackward.Gradients(acc, batch, forward, upstream)))),
            "Sinkhorn clouds reverse, unrolled" => (IterationTolerance, Unrolled),
            "Sinkhorn divergence" => (ConvergedTolerance, acc => Outputs(SinkhornDivergence.SolveBatch(acc, batch, converged))),
            "Sinkhorn divergence reverse" => (IterationTolerance, Reverse(SinkhornDivergence.SolveBatch(cpu, batch, converged),
                (acc, forward) => Outputs(SinkhornDivergenceBackward.Gradients(acc, batch, forward, upstream)))),
            // The first problem's source against every problem's target, on its cost.
            "Sinkhorn dense cost, one against many" => (IterationTolerance, acc =>
                Outputs(Sinkhorn.SolveBatch(acc, batch.A[..batch.N], batch.B, FirstProblemCost(batch), fixedIterations))),
            "Pairwise squared distances" => (1e-6, acc => [PairwiseDistances.SquaredEuclidean(acc, batch.X.Span, batch.Y.Span, batch.Dimension)]),
            // The problems' sources as the inputs of one barycenter on the first problem's
            // target points; 30 iterations on both sides (tolerance 0 never stops early).
            "Barycenter step + mean" => (IterationTolerance, acc =>
                [Floats(Barycenter.Bregman(acc, Doubles(batch.A.Span), Enumerable.Range(0, c.Batch).Select(k => 1.0 + k).ToArray(), FirstProblemCost(batch),
                    new BarycenterOptions { Epsilon = c.Epsilon, MaxIterations = 30, Tolerance = 0 }).Barycenter)]),
            "Unbalanced Sinkhorn clouds, fixed iterations" => (IterationTolerance, acc => Outputs(Sinkhorn.SolveBatch(acc, heavier, relaxed))),
            "Unbalanced Sinkhorn clouds reverse, unrolled" => (IterationTolerance, acc => UnrolledOn(acc, heavier, relaxed)),
            "Sliced Wasserstein" => (IterationTolerance, Sliced),
            "Gromov–Wasserstein batch" => (ConvergedTolerance, Gromov),
            _ => throw new ArgumentException($"Unknown kernel '{kernel}'; one of: {string.Join(", ", Kernels)}.", nameof(kernel)),
        };
        return Compare(kernel, c.ToString(), tolerance, run(device), run(cpu));
    }

    /// <summary>A reverse pass run from one forward result on every accelerator.</summary>
    private static Func<Accelerator, float[][]> Reverse<TForward>(TForward forward, Func<Accelerator, TForward, float[][]> reverse) =>
        acc => reverse(acc, forward);

    private static float[] Floats(double[] values) => Array.ConvertAll(values, v => (float)v);

    private static double[] Doubles(ReadOnlySpan<float> values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++) wide[i] = values[i];
        return wide;
    }

    /// <summary>Problem k's clouds as GW problem k: the Euclidean distances within x_k and
    /// within y_k, with the weights a_k and b_k.</summary>
    private static GromovWassersteinProblem[] GromovProblems(PointCloudBatch batch)
    {
        int n = batch.N, m = batch.M, d = batch.Dimension;
        double[] Distances(ReadOnlySpan<float> points)
        {
            double[] wide = Doubles(points);
            return new PointCloudCost(wide, wide, d, GroundMetric.Euclidean).ToArray();
        }
        return [.. Enumerable.Range(0, batch.Batch).Select(k => new GromovWassersteinProblem(Doubles(batch.A.Span.Slice(k * n, n)), Doubles(batch.B.Span.Slice(k * m, m)),
            Distances(batch.X.Span.Slice(k * n * d, n * d)), Distances(batch.Y.Span.Slice(k * m * d, m * d))))];
    }

    /// <summary>Problem 0's cost as a dense matrix, n x m.</summary>
    private static DenseCost FirstProblemCost(PointCloudBatch batch) => new(batch.CostOf(0).ToArray(), batch.N, batch.M);

    private static float[][] Outputs(SinkhornResult<float> r) => [r.F, r.G, Floats(r.Value)];

    private static float[][] Outputs(SinkhornDivergenceResult<float> r) => [.. Outputs(r.Cross), r.FSelfA, r.FSelfB, Floats(r.Value)];

    private static float[][] Outputs(CloudGradients g) => [g.A, g.B, g.X, g.Y];

    /// <summary>The worst output's norm-wise error. An output whose reference is near zero
    /// everywhere is measured against 10% of the case's largest reference value instead of
    /// its own: g of a one-point target is 0 up to rounding, but it is computed from costs of
    /// the case's scale, whose float rounding over 30 iterations it carries (seen: 2.3e-6
    /// against values of 0.44).</summary>
    private static ConformanceRow Compare(string kernel, string name, double tolerance, float[][] device, float[][] reference)
    {
        double overall = reference.SelectMany(r => r).Where(float.IsFinite).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
        double worstAbsolute = 0, worstRelative = 0;
        for (int o = 0; o < reference.Length; o++)
        {
            double absolute = 0, scale = 0.1 * overall;
            for (int i = 0; i < reference[o].Length; i++)
            {
                double d = device[o][i], r = reference[o][i];
                if (double.IsNaN(d) && double.IsNaN(r)) continue;
                absolute = Math.Max(absolute, double.IsNaN(d - r) ? double.PositiveInfinity : Math.Abs(d - r));
                if (double.IsFinite(r)) scale = Math.Max(scale, Math.Abs(r));
            }
            worstAbsolute = Math.Max(worstAbsolute, absolute);
            worstRelative = Math.Max(worstRelative, absolute / Math.Max(scale, 1e-30));
        }
        return new ConformanceRow(kernel, name, worstAbsolute, worstRelative, tolerance);
    }
}
