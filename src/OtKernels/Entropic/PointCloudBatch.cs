// The unit of work of the batched point-cloud kernels: many problems of one shape, laid out
// contiguously in float32, the precision of the device kernels (DESIGN.md, API shape).
using System.Numerics.Tensors;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

/// <summary>Problems k = 0..Batch-1 between x [Batch, N, Dimension] with weights a [Batch, N]
/// and y [Batch, M, Dimension] with weights b [Batch, M], row-major, under the squared
/// Euclidean cost |x - y|^2 (W2) or the Euclidean cost |x - y| (W1). Zero weights pad ragged
/// batches: those points are absent. B holds b as solved, rescaled to the mass of a (as
/// Sinkhorn.SolveBatch does), except in a batch made by Unbalanced.</summary>
public sealed class PointCloudBatch
{
    /// <summary>A batch under the squared Euclidean cost.</summary>
    /// <exception cref="ArgumentException">A length that does not match the shape; a
    /// coordinate that is NaN or infinite; masses that are negative, not finite, all zero, or
    /// whose sums differ beyond 1e-6 relative. The message names the argument, problem and index.</exception>
    public PointCloudBatch(int batch, int n, int m, int dimension, ReadOnlyMemory<float> x, ReadOnlyMemory<float> y,
        ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
        : this(batch, n, m, dimension, x, y, a, b, GroundMetric.SqEuclidean)
    {
    }

    /// <summary>A batch under the given ground metric: SqEuclidean or Euclidean, the two the
    /// device kernels compute.</summary>
    /// <exception cref="ArgumentException">As the other constructor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Another metric.</exception>
    public PointCloudBatch(int batch, int n, int m, int dimension, ReadOnlyMemory<float> x, ReadOnlyMemory<float> y,
        ReadOnlyMemory<float> a, ReadOnlyMemory<float> b, GroundMetric metric)
        : this(batch, n, m, dimension, x, y, a, b, metric, unbalanced: false)
    {
    }

    /// <summary>A batch for unbalanced transport (SinkhornOptions.MarginalPenalty finite): each
    /// mass vector is validated and kept as given, so the sums of a problem may differ. Solve
    /// it with a finite MarginalPenalty.</summary>
    /// <exception cref="ArgumentException">As the constructors, except that unequal sums are allowed.</exception>
    public static PointCloudBatch Unbalanced(int batch, int n, int m, int dimension, ReadOnlyMemory<float> x, ReadOnlyMemory<float> y,
        ReadOnlyMemory<float> a, ReadOnlyMemory<float> b, GroundMetric metric = GroundMetric.SqEuclidean) =>
        new(batch, n, m, dimension, x, y, a, b, metric, unbalanced: true);

    private PointCloudBatch(int batch, int n, int m, int dimension, ReadOnlyMemory<float> x, ReadOnlyMemory<float> y,
        ReadOnlyMemory<float> a, ReadOnlyMemory<float> b, GroundMetric metric, bool unbalanced)
    {
        if (metric is not (GroundMetric.SqEuclidean or GroundMetric.Euclidean))
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "A point-cloud batch is under SqEuclidean or Euclidean, the costs the device kernels compute.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ThrowHelper.ThrowIfLengthMismatch(x.Length, checked(batch * n * dimension), nameof(x), $"[{batch}, {n}, {dimension}]");
        ThrowHelper.ThrowIfLengthMismatch(y.Length, checked(batch * m * dimension), nameof(y), $"[{batch}, {m}, {dimension}]");
        ThrowHelper.ThrowIfLengthMismatch(a.Length, batch * n, nameof(a), $"[{batch}, {n}]");
        ThrowHelper.ThrowIfLengthMismatch(b.Length, batch * m, nameof(b), $"[{batch}, {m}]");
        ThrowIfNotFinite(x.Span, nameof(x));
        ThrowIfNotFinite(y.Span, nameof(y));
        Batch = batch; N = n; M = m; Dimension = dimension; Metric = metric; IsUnbalanced = unbalanced;
        X = x; Y = y; A = a;
        float[] solved = b.ToArray();
        for (int k = 0; k < batch; k++)
        {
            if (unbalanced)
            {
                Sinkhorn.ValidateUnbalanced(a.Span.Slice(k * n, n), solved.AsSpan(k * m, m), k, batch);
                continue;
            }
            double scale = Sinkhorn.ValidatedScale<float>(a.Span.Slice(k * n, n), solved.AsSpan(k * m, m), k, batch);
            if (scale != 1) TensorPrimitives.Multiply(solved.AsSpan(k * m, m), (float)scale, solved.AsSpan(k * m, m));
        }
        B = solved;
    }

    /// <summary>Problems in the batch.</summary>
    public int Batch { get; }
    /// <summary>Source points per problem.</summary>
    public int N { get; }
    /// <summary>Target points per problem.</summary>
    public int M { get; }
    /// <summary>The points' dimension.</summary>
    public int Dimension { get; }
    /// <summary>Made by <see cref="Unbalanced"/>: B is b as given, not rescaled to a's mass.</summary>
    public bool IsUnbalanced { get; }
    /// <summary>The ground metric: SqEuclidean or Euclidean.</summary>
    public GroundMetric Metric { get; }
    /// <summary>Source points [batch, n, d].</summary>
    public ReadOnlyMemory<float> X { get; }
    /// <summary>Target points [batch, m, d].</summary>
    public ReadOnlyMemory<float> Y { get; }
    /// <summary>Source weights [batch, n].</summary>
    public ReadOnlyMemory<float> A { get; }
    /// <summary>Target weights [batch, m].</summary>
    public ReadOnlyMemory<float> B { get; }

    /// <summary>An unbalanced batch's masses were not rescaled, so balanced options would
    /// solve what the caller did not ask for.</summary>
    internal void ThrowIfSolvedBalanced(SinkhornOptions options)
    {
        if (IsUnbalanced && !options.Unbalanced)
            throw new ArgumentException("The batch was made by PointCloudBatch.Unbalanced (masses not rescaled); solve it with a finite MarginalPenalty, or make it with the constructor.", nameof(options));
    }

    /// <summary>Problem k's cost for the CPU code (coordinates widened to double).</summary>
    public PointCloudCost CostOf(int k) => new(Widen(X.Span.Slice(k * N * Dimension, N * Dimension)),
        Widen(Y.Span.Slice(k * M * Dimension, M * Dimension)), Dimension, Metric);

    private static double[] Widen(ReadOnlySpan<float> values)
    {
        var wide = new double[values.Length];
        TensorPrimitives.ConvertChecked(values, wide);
        return wide;
    }

    private static void ThrowIfNotFinite(ReadOnlySpan<float> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i}] is {values[i]}; every coordinate must be finite.", name);
    }
}
