// Sliced Wasserstein (Rabin, Peyre, Delon, Bernot 2011; Bonneel et al. 2015): project both
// weighted clouds on L unit directions theta_l, solve each problem on the line in closed form
// (Emd1D), and average:
//     SW_p(a, b) = ( (1/L) sum_l W_p^p(theta_l # a, theta_l # b) )^(1/p),
// POT's ot.sliced_wasserstein_distance. The max-sliced variant (Deshpande et al. 2019) keeps
// the largest projection: max_l W_p(theta_l # a, theta_l # b) (POT's
// max_sliced_wasserstein_distance over the same directions). The gradient with respect to
// the source points is the envelope theorem on each line's monotone plan, taken back through
// theta_l, the mean and the root.
using System.Numerics.Tensors;

namespace OtKernels.Exact;

/// <summary>Sliced and max-sliced Wasserstein distances between weighted point clouds.</summary>
public static partial class SlicedWasserstein
{
    /// <summary>count directions drawn uniformly on the unit sphere of R^dimension (normalised
    /// Gaussians from a seeded generator), row-major [count, dimension]. The same seed gives the
    /// same directions on every machine; POT draws its own, so pass the directions to compare.</summary>
    public static double[] RandomProjections(int dimension, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var rng = new Random(seed);
        var directions = new double[checked(count * dimension)];
        for (int l = 0; l < count; l++)
        {
            Span<double> theta = directions.AsSpan(l * dimension, dimension);
            double norm;
            do
            {
                for (int c = 0; c < dimension; c++)
                {
                    // Box-Muller: a standard normal from two uniforms in (0, 1].
                    double u = 1 - rng.NextDouble(), v = rng.NextDouble();
                    theta[c] = Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
                }
                norm = TensorPrimitives.Norm<double>(theta);
            }
            while (norm == 0);
            TensorPrimitives.Divide(theta, norm, theta);
        }
        return directions;
    }

    /// <summary>SW_p between a on points x [n, dimension] and b on y [m, dimension] over the
    /// given directions [L, dimension] (row-major; POT takes them as columns, [dimension, L]).</summary>
    /// <param name="gradientX">If not empty (n x dimension), receives dSW_p/dx; zero where SW_p is zero.</param>
    /// <exception cref="ArgumentException">Lengths that do not match the shapes, coordinates or
    /// directions that are not finite, masses as Emd1D.Cost takes them.</exception>
    /// <exception cref="ArgumentOutOfRangeException">p below 1.</exception>
    public static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int dimension,
        ReadOnlySpan<double> projections, double p = 2, Span<double> gradientX = default) =>
        One(a, b, x, y, dimension, projections, p, max: false, gradientX);

    /// <summary>Max-sliced W_p: the largest W_p over the given directions (arguments as
    /// <see cref="Distance"/>); the gradient is that direction's.</summary>
    public static double MaxDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int dimension,
        ReadOnlySpan<double> projections, double p = 2, Span<double> gradientX = default) =>
        One(a, b, x, y, dimension, projections, p, max: true, gradientX);

    private static double One(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int dimension,
        ReadOnlySpan<double> projections, double p, bool max, Span<double> gradientX)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        int n = a.Length, m = b.Length;
        ThrowHelper.ThrowIfLengthMismatch(x.Length, checked(n * dimension), nameof(x), $"[{n}, {dimension}] (a has {n} masses)");
        ThrowHelper.ThrowIfLengthMismatch(y.Length, checked(m * dimension), nameof(y), $"[{m}, {dimension}] (b has {m} masses)");
        if (!gradientX.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(gradientX.Length, x.Length, nameof(gradientX), "x");
        if (!(p >= 1 && double.IsFinite(p)))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The exponent must be finite and at least 1 (the cost must be convex).");
        return new LineBuffers(n, m, Math.Max(1, projections.Length / dimension)).Distance(a, b, x, y, dimension, projections, p, max, gradientX);
    }

    /// <summary>SW_p (or max-sliced W_p) of each problem of a batch over one set of directions
    /// [L, dimension]: problem k is a [k n .. (k+1) n) on x [k n d ..), b [k m .. (k+1) m) on
    /// y [k m d ..), with n = a.Length / batch and m = b.Length / batch. Problems run in
    /// parallel, each on its worker's buffers: per direction, one projection, two sorts that
    /// carry the masses along, and the merge of Emd1D (no allocation per direction).</summary>
    /// <param name="gradientX">If not empty ([batch, n, dimension]), receives each problem's dSW/dx.</param>
    /// <exception cref="ArgumentException">Shapes that do not divide into the batch, or a bad
    /// problem ("Problem k of the batch: ...").</exception>
    public static double[] DistanceBatch(int batch, ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, ReadOnlyMemory<double> x, ReadOnlyMemory<double> y,
        int dimension, ReadOnlyMemory<double> projections, double p = 2, bool max = false, Memory<double> gradientX = default,
        int maxDegreeOfParallelism = -1)
    {
        EmdOptions.ValidateParallelism(maxDegreeOfParallelism);
        (int n, int m, int count) = ValidateBatch(batch, a.Length, b.Length, x.Length, y.Length, dimension, projections.Length, p);
        if (!gradientX.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(gradientX.Length, x.Length, nameof(gradientX), "x");
        var values = new double[batch];
        BatchErrors.For(batch, maxDegreeOfParallelism, () => new LineBuffers(n, m, count), (k, buffers) =>
        {
            ReadOnlySpan<double> ak = a.Span.Slice(k * n, n), bk = b.Span.Slice(k * m, m);
            ReadOnlySpan<double> xk = x.Span.Slice(k * n * dimension, n * dimension), yk = y.Span.Slice(k * m * dimension, m * dimension);
            Span<double> gk = gradientX.IsEmpty ? default : gradientX.Span.Slice(k * n * dimension, n * dimension);
            values[k] = buffers.Distance(ak, bk, xk, yk, dimension, projections.Span, p, max, gk);
        });
        return values;
    }

    /// <summary>A batch's shapes and exponent checked: (n, m, L), or an exception naming the argument.</summary>
    private static (int N, int M, int Count) ValidateBatch(int batch, int aLength, int bLength, int xLength, int yLength, int dimension, int projectionsLength,
        double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (aLength == 0 || aLength % batch != 0) throw new ArgumentException($"a has length {aLength}, not {batch} problems of n >= 1 masses.", "a");
        if (bLength == 0 || bLength % batch != 0) throw new ArgumentException($"b has length {bLength}, not {batch} problems of m >= 1 masses.", "b");
        int n = aLength / batch, m = bLength / batch;
        ThrowHelper.ThrowIfLengthMismatch(xLength, checked(batch * n * dimension), "x", $"[{batch}, {n}, {dimension}]");
        ThrowHelper.ThrowIfLengthMismatch(yLength, checked(batch * m * dimension), "y", $"[{batch}, {m}, {dimension}]");
        if (projectionsLength == 0 || projectionsLength % dimension != 0)
            throw new ArgumentException($"projections holds {projectionsLength} numbers, not [L, {dimension}] with L >= 1.", "projections");
        if (!(p >= 1 && double.IsFinite(p)))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The exponent must be finite and at least 1 (the cost must be convex).");
        return (n, m, projectionsLength / dimension);
    }

    /// <summary>The buffers of one problem at a time (a batch worker's, or a single call's): the
    /// projected positions with their sort order and sorted masses, the per-direction values
    /// and, for a gradient, the slopes dW_p^p/d(theta . x_i) per direction [L, n]. Every path
    /// goes through Distance: one projection and two sorts per direction, then Emd1D's merge.</summary>
    private sealed class LineBuffers(int n, int m, int count)
    {
        private readonly double[] _xs = new double[n], _wa = new double[n], _ys = new double[m], _wb = new double[m], _values = new double[count];
        private readonly int[] _orderA = new int[n], _orderB = new int[m];
        private double[] _slopes = [];

        public double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int dimension,
            ReadOnlySpan<double> projections, double p, bool max, Span<double> gradientX = default)
        {
            ThrowHelper.ThrowIfNotFinite(x, nameof(x));
            ThrowHelper.ThrowIfNotFinite(y, nameof(y));
            if (projections.Length == 0 || projections.Length % dimension != 0)
                throw new ArgumentException($"projections holds {projections.Length} numbers, not [L, {dimension}] with L >= 1.", nameof(projections));
            ThrowHelper.ThrowIfNotFinite(projections, nameof(projections));
            (double scaleA, double scaleB) = MassBalance.Scales(a, b, EmdOptions.Default, nameof(a), nameof(b));
            bool gradient = !gradientX.IsEmpty;
            if (gradient && _slopes.Length < _values.Length * n) _slopes = new double[_values.Length * n];
            for (int l = 0; l < _values.Length; l++)
            {
                ReadOnlySpan<double> theta = projections.Slice(l * dimension, dimension);
                Project(x, a, scaleA, theta, _xs, _orderA, _wa);
                Project(y, b, scaleB, theta, _ys, _orderB, _wb);
                Span<double> slopes = gradient ? _slopes.AsSpan(l * n, n) : default;
                slopes.Clear();
                _values[l] = Emd1D.Merge(_xs, _wa, _ys, _wb, p, _orderA, slopes);
            }
            int best = max ? TensorPrimitives.IndexOfMax<double>(_values) : -1;
            double value = max ? _values[best] : TensorPrimitives.Sum<double>(_values) / _values.Length, distance = Math.Pow(value, 1 / p);
            if (!gradient) return distance;
            // The envelope theorem on each line's plan, back through theta, the mean (or the max) and the root.
            gradientX.Clear();
            if (value > 0)
                for (int l = max ? best : 0; l < (max ? best + 1 : _values.Length); l++)
                    AddBack(_slopes.AsSpan(l * n, n), projections.Slice(l * dimension, dimension), distance / (p * value * (max ? 1 : _values.Length)), gradientX);
            return distance;
        }

        /// <summary>positions_i = theta . points_i sorted, order the original index of each (the
        /// gradient's), and masses the scaled weights in that order.</summary>
        private static void Project(ReadOnlySpan<double> points, ReadOnlySpan<double> w, double scale, ReadOnlySpan<double> theta,
            double[] positions, int[] order, double[] masses)
        {
            int dimension = theta.Length;
            for (int i = 0; i < positions.Length; i++)
            {
                positions[i] = TensorPrimitives.Dot(points.Slice(i * dimension, dimension), theta);
                order[i] = i;
            }
            Array.Sort(positions, order);
            for (int i = 0; i < masses.Length; i++) masses[i] = w[order[i]] * scale;
        }
    }

    /// <summary>gradient[i, :] += scale * slopes[i] * theta.</summary>
    private static void AddBack(ReadOnlySpan<double> slopes, ReadOnlySpan<double> theta, double scale, Span<double> gradient)
    {
        int dimension = theta.Length;
        for (int i = 0; i < slopes.Length; i++)
        {
            Span<double> row = gradient.Slice(i * dimension, dimension);
            TensorPrimitives.MultiplyAdd(theta, scale * slopes[i], row, row);
        }
    }
}
