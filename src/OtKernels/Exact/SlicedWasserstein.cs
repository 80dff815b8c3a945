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
    /// carry the masses along, and the merge of Emd1D (no allocation per direction). A batch
    /// of fewer problems than threads (one large pair) spreads each problem's directions over
    /// the threads instead; the values are the same bits either way.</summary>
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
        // Fewer problems than workers, each with enough to sort: the problems one after the
        // other, each one's directions spread over the workers (one pair of 10,000 points
        // ran on one core). Each direction's value has its own slot and they are summed in
        // order, so the result does not depend on the threads.
        int workers = maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        int spread = batch < workers && count > 1 && (long)(n + m) * count >= SpreadDirectionsFrom ? workers : 1;
        BatchErrors.For(batch, spread > 1 ? 1 : maxDegreeOfParallelism, () => new LineBuffers(n, m, count), (k, buffers) =>
        {
            ReadOnlyMemory<double> ak = a.Slice(k * n, n), bk = b.Slice(k * m, m);
            ReadOnlyMemory<double> xk = x.Slice(k * n * dimension, n * dimension), yk = y.Slice(k * m * dimension, m * dimension);
            Memory<double> gk = gradientX.IsEmpty ? default : gradientX.Slice(k * n * dimension, n * dimension);
            values[k] = spread > 1
                ? buffers.DistanceOnWorkers(ak, bk, xk, yk, dimension, projections, p, max, gk, spread)
                : buffers.Distance(ak.Span, bk.Span, xk.Span, yk.Span, dimension, projections.Span, p, max, gk.Span);
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

    /// <summary>Projected points, (n + m) over all directions, from which a batch of fewer
    /// problems than workers spreads each problem's directions over the workers (below it, a
    /// worker's wake-up costs more than its share of the sorts).</summary>
    private const long SpreadDirectionsFrom = 16_384;

    /// <summary>The buffers of one problem at a time (a batch worker's, or a single call's):
    /// one direction's projections (<see cref="Line"/>), the per-direction values and, for a
    /// gradient, the slopes dW_p^p/d(theta . x_i) per direction [L, n]. Every path goes
    /// through Line.Solve: one projection and two sorts per direction, then Emd1D's merge.</summary>
    private sealed class LineBuffers(int n, int m, int count)
    {
        private readonly Line _line = new(n, m);
        private readonly double[] _values = new double[count];
        private double[] _slopes = [];

        public double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int dimension,
            ReadOnlySpan<double> projections, double p, bool max, Span<double> gradientX = default)
        {
            (double scaleA, double scaleB) = Prepare(a, b, x, y, dimension, projections, !gradientX.IsEmpty);
            double[]? slopes = gradientX.IsEmpty ? null : _slopes;
            for (int l = 0; l < _values.Length; l++) _line.Solve(l, a, b, x, y, projections.Slice(l * dimension, dimension), p, scaleA, scaleB, _values, slopes);
            return Finish(projections, dimension, p, max, gradientX);
        }

        /// <summary>As Distance, with the directions spread over up to workers threads.</summary>
        public double DistanceOnWorkers(ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, ReadOnlyMemory<double> x, ReadOnlyMemory<double> y, int dimension,
            ReadOnlyMemory<double> projections, double p, bool max, Memory<double> gradientX, int workers)
        {
            (double scaleA, double scaleB) = Prepare(a.Span, b.Span, x.Span, y.Span, dimension, projections.Span, !gradientX.IsEmpty);
            double[]? slopes = gradientX.IsEmpty ? null : _slopes;
            Parallel.For(0, _values.Length, new ParallelOptions { MaxDegreeOfParallelism = workers }, () => new Line(n, m), (l, _, line) =>
            {
                line.Solve(l, a.Span, b.Span, x.Span, y.Span, projections.Span.Slice(l * dimension, dimension), p, scaleA, scaleB, _values, slopes);
                return line;
            }, _ => { });
            return Finish(projections.Span, dimension, p, max, gradientX.Span);
        }

        /// <summary>The inputs checked, the slopes' buffer sized; the masses' scales.</summary>
        private (double, double) Prepare(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int dimension,
            ReadOnlySpan<double> projections, bool gradient)
        {
            ThrowHelper.ThrowIfNotFinite(x, nameof(x));
            ThrowHelper.ThrowIfNotFinite(y, nameof(y));
            if (projections.Length == 0 || projections.Length % dimension != 0)
                throw new ArgumentException($"projections holds {projections.Length} numbers, not [L, {dimension}] with L >= 1.", nameof(projections));
            ThrowHelper.ThrowIfNotFinite(projections, nameof(projections));
            (double scaleA, double scaleB) = MassBalance.Scales(a, b, EmdOptions.Default, nameof(a), nameof(b));
            if (gradient && _slopes.Length < _values.Length * n) _slopes = new double[_values.Length * n];
            return (scaleA, scaleB);
        }

        /// <summary>SW_p (or the max) from the directions' values, and its gradient.</summary>
        private double Finish(ReadOnlySpan<double> projections, int dimension, double p, bool max, Span<double> gradientX)
        {
            int best = max ? TensorPrimitives.IndexOfMax<double>(_values) : -1;
            double value = max ? _values[best] : TensorPrimitives.Sum<double>(_values) / _values.Length, distance = Math.Pow(value, 1 / p);
            if (gradientX.IsEmpty) return distance;
            // The envelope theorem on each line's plan, back through theta, the mean (or the max) and the root.
            gradientX.Clear();
            if (value > 0)
                for (int l = max ? best : 0; l < (max ? best + 1 : _values.Length); l++)
                    AddBack(_slopes.AsSpan(l * n, n), projections.Slice(l * dimension, dimension), distance / (p * value * (max ? 1 : _values.Length)), gradientX);
            return distance;
        }
    }

    /// <summary>One direction's projected and sorted positions, with their sort order and
    /// sorted masses: a thread's scratch.</summary>
    private sealed class Line(int n, int m)
    {
        private readonly double[] _xs = new double[n], _wa = new double[n], _ys = new double[m], _wb = new double[m];
        private readonly int[] _orderA = new int[n], _orderB = new int[m];

        /// <summary>values[l] = W_p^p on direction theta (l's), and its slopes in slopes[l n ..] if asked.</summary>
        public void Solve(int l, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> theta,
            double p, double scaleA, double scaleB, double[] values, double[]? slopes)
        {
            Project(x, a, scaleA, theta, _xs, _orderA, _wa);
            Project(y, b, scaleB, theta, _ys, _orderB, _wb);
            Span<double> mine = slopes is null ? default : slopes.AsSpan(l * _xs.Length, _xs.Length);
            mine.Clear();
            values[l] = Emd1D.Merge(_xs, _wa, _ys, _wb, p, _orderA, mine);
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
