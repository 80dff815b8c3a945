// The cost between two point sets, evaluated on the fly from coordinates: an n x m
// problem stores (n + m) * d numbers, not n * m.
using System.Runtime.CompilerServices;

namespace OtKernels.Geometry;

/// <summary>C(i, j) = metric(x_i, y_j) for points x (n x d) and y (m x d), row-major.</summary>
public sealed partial class PointCloudCost : GroundCost
{
    private readonly ReadOnlyMemory<double> _x;
    private readonly ReadOnlyMemory<double> _y;

    /// <param name="x">n x d source coordinates, row-major; finite.</param>
    /// <param name="y">m x d target coordinates, row-major; finite.</param>
    /// <param name="dimension">d &gt;= 1.</param>
    /// <param name="metric">The ground metric.</param>
    /// <param name="p">The Minkowski exponent (p &gt;= 1); ignored by the other metrics.</param>
    public PointCloudCost(ReadOnlyMemory<double> x, ReadOnlyMemory<double> y, int dimension,
        GroundMetric metric = GroundMetric.SqEuclidean, double p = 2)
        : base(CountPoints(x, dimension, nameof(x)), CountPoints(y, dimension, nameof(y)))
    {
        ThrowHelper.ThrowIfNotFinite(x.Span, nameof(x));
        ThrowHelper.ThrowIfNotFinite(y.Span, nameof(y));
        if (!Enum.IsDefined(metric))
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown ground metric.");
        if (metric == GroundMetric.Minkowski && !(p >= 1 && double.IsFinite(p)))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The Minkowski exponent must be finite and at least 1.");
        _x = x;
        _y = y;
        Dimension = dimension;
        Metric = metric;
        P = p;
    }

    /// <summary>The points' dimension.</summary>
    public int Dimension { get; }
    /// <summary>The ground metric.</summary>
    public GroundMetric Metric { get; }
    /// <summary>The Minkowski exponent.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public override GroundCost SourceSelfCost() => new PointCloudCost(_x, _x, Dimension, Metric, P);

    /// <inheritdoc/>
    public override GroundCost TargetSelfCost() => new PointCloudCost(_y, _y, Dimension, Metric, P);

    /// <inheritdoc/>
    public override double this[int i, int j]
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per entry of each problem's kernel: never tier-0 code
        get
        {
            ReadOnlySpan<double> xi = _x.Span.Slice(i * Dimension, Dimension);
            ReadOnlySpan<double> yj = _y.Span.Slice(j * Dimension, Dimension);
            return Metric switch
            {
                GroundMetric.SqEuclidean => SquaredDistance(xi, yj),
                GroundMetric.Euclidean => Math.Sqrt(SquaredDistance(xi, yj)),
                _ => MinkowskiDistance(xi, yj, P),
            };
        }
    }

    /// <summary>Adds weight * dC(x_i, y_j)/dx_i to <paramref name="gradient"/> (length d). Every
    /// metric here is a function of x_i - y_j, so dC/dy_j is the negative of this. At
    /// x_i = y_j the Euclidean and Minkowski costs are not differentiable; 0 (a subgradient)
    /// is used.</summary>
    public void AddSourceGradient(int i, int j, double weight, Span<double> gradient)
    {
        ThrowHelper.ThrowIfLengthMismatch(gradient.Length, Dimension, nameof(gradient), "the dimension");
        ReadOnlySpan<double> xi = _x.Span.Slice(i * Dimension, Dimension);
        ReadOnlySpan<double> yj = _y.Span.Slice(j * Dimension, Dimension);
        switch (Metric)
        {
            case GroundMetric.SqEuclidean:
                for (int k = 0; k < Dimension; k++) gradient[k] += weight * 2 * (xi[k] - yj[k]);
                break;
            case GroundMetric.Euclidean:
                double norm = Math.Sqrt(SquaredDistance(xi, yj));
                if (norm == 0) return;
                for (int k = 0; k < Dimension; k++) gradient[k] += weight * (xi[k] - yj[k]) / norm;
                break;
            default:
                double c = MinkowskiDistance(xi, yj, P);
                if (c == 0) return;
                double scale = Math.Pow(c, 1 - P);
                for (int k = 0; k < Dimension; k++)
                {
                    double d = xi[k] - yj[k];
                    gradient[k] += weight * Math.Sign(d) * Math.Pow(Math.Abs(d), P - 1) * scale;
                }
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SquaredDistance(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int k = 0; k < x.Length; k++)
        {
            double d = x[k] - y[k];
            s += d * d;
        }
        return s;
    }

    private static double MinkowskiDistance(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double p)
    {
        double s = 0;
        for (int k = 0; k < x.Length; k++) s += Math.Pow(Math.Abs(x[k] - y[k]), p);
        return Math.Pow(s, 1 / p);
    }

    private static int CountPoints(ReadOnlyMemory<double> coordinates, int dimension, string paramName)
    {
        if (dimension <= 0)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension must be at least 1.");
        if (coordinates.IsEmpty)
            throw new ArgumentException("The point set is empty.", paramName);
        if (coordinates.Length % dimension != 0)
            throw new ArgumentException($"{paramName} has length {coordinates.Length}, not a multiple of the dimension {dimension}.", paramName);
        return coordinates.Length / dimension;
    }
}
