// Entropic distances between batches of small uniform point clouds, with the exact gradient
// of what was computed: L fixed log-domain Sinkhorn iterations (the Unrolled mode of
// Sinkhorn.SolveOne, step for step) and their reverse pass, as the Wasserstein embeddings of
// Frogner, Mirzazadeh and Solomon (2019) train. The soft-min
//     f_i = -eps log sum_j b_j exp((g_j - C_ij)/eps)
// has the Jacobian of a soft-max: df_i/dg_j = -W_ij, df_i/dC_ij = W_ij with
// W_ij = b_j exp((f_i + g_j - C_ij)/eps), whose rows sum to 1 (and the mirror image for g).
// The forward pass keeps every W it computes (L (2nm + n^2 + m^2) values per pair: the
// taped activations of an autodiff system), so the reverse pass is products with stored
// matrices and no exp: it costs about what the forward does, where recomputing the
// exponentials (SinkhornBackward.UnrolledGradients) costs many forwards. The readings:
//     <P, C>, P_ij = a_i b_j exp((f_i + g_j - C_ij)/eps):   dP_ij = P_ij (df_i + dg_j - dC_ij)/eps;
//     OT_eps = <a, f_L> + <b, g_L>;
//     S_eps = OT_eps(a, b) - OT_eps(a, a)/2 - OT_eps(b, b)/2, each self-term by L averaged
//     steps f <- (f + softmin(f))/2 (Feydy et al. 2019), valued 2 <a, f_L>.
// With the Envelope gradient the plan of the last iteration is held fixed instead: C-bar = P
// (and -P/2 for each self-term), and only the last weights are kept.
// Pairs run in parallel, each with a worker-owned workspace; everything is double inside.
using System.Numerics.Tensors;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic;

/// <summary>Entropic distances between pairs of uniform point clouds after L Sinkhorn
/// iterations, and their gradients with respect to the points (an unrolled reverse pass over
/// stored soft-max weights).</summary>
public static partial class UnrolledCloudDistance
{
    /// <summary>distances[p] between clouds x[p] (n points in R^d) and y[p] (m points), each
    /// with uniform weights, for the P pairs of x [P, n, d] and y [P, m, d]. When upstream is
    /// given (dLoss/ddistance per pair), gradientX and gradientY receive upstream[p] times the
    /// distance's gradient with respect to the points (overwritten).</summary>
    /// <exception cref="ArgumentException">Lengths that do not match the shapes, named.</exception>
    public static void Compute(float[] x, float[] y, int n, int m, int d, EntropicDistanceOptions options, double[] distances,
        double[]? upstream = null, float[]? gradientX = null, float[]? gradientY = null)
    {
        int pairs = ThrowIfBadArguments(x, y, n, m, d, options, distances, upstream, gradientX, gradientY);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        Parallel.For(0, pairs, parallel, () => new Workspace(n, m, d, options), (p, _, workspace) =>
        {
            distances[p] = workspace.Forward(x.AsSpan(p * n * d, n * d), y.AsSpan(p * m * d, m * d));
            if (upstream is not null)
                workspace.Backward(upstream[p], gradientX.AsSpan(p * n * d, n * d), gradientY.AsSpan(p * m * d, m * d));
            return workspace;
        }, _ => { });
    }

    /// <summary>Compute's checks; returns the number of pairs.</summary>
    private static int ThrowIfBadArguments(float[] x, float[] y, int n, int m, int d, EntropicDistanceOptions options, double[] distances,
        double[]? upstream, float[]? gradientX, float[]? gradientY)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(distances);
        options.Validate();
        int pairs = distances.Length;
        ThrowIfNotClouds(x, pairs, n, nameof(n), d, nameof(x));
        ThrowIfNotClouds(y, pairs, m, nameof(m), d, nameof(y));
        if (upstream is not null)
        {
            ThrowHelper.ThrowIfLengthMismatch(upstream.Length, pairs, nameof(upstream), "one per pair");
            if (gradientX is null || gradientY is null) throw new ArgumentException("Gradients need gradientX and gradientY.", nameof(upstream));
            ThrowHelper.ThrowIfLengthMismatch(gradientX.Length, x.Length, nameof(gradientX), "x");
            ThrowHelper.ThrowIfLengthMismatch(gradientY.Length, y.Length, nameof(gradientY), "y");
        }
        return pairs;
    }

    /// <summary>values[p] = OT_eps(x[p], x[p]) of each cloud x [P, n, d] by the L averaged
    /// symmetric steps: the self terms the divergence subtracts, so that a matrix of divergences
    /// needs them once per cloud and one Value solve per pair: S(x, y) = OT_eps(x, y) -
    /// (values[x] + values[y]) / 2, exactly as the Divergence reading computes it.</summary>
    /// <exception cref="ArgumentException">A length that does not match the shape, or a point that is not finite.</exception>
    public static void SelfValues(float[] x, int n, int d, EntropicDistanceOptions options, double[] values)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(values);
        options.Validate();
        ThrowIfNotClouds(x, values.Length, n, nameof(n), d, nameof(x));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        Parallel.For(0, values.Length, parallel, () => (Term: new SelfTerm(n, options), Points: new double[n * d]), (p, _, local) =>
        {
            for (int k = 0; k < local.Points.Length; k++) local.Points[k] = x[p * n * d + k];
            values[p] = local.Term.Forward(local.Points, d);
            return local;
        }, _ => { });
    }

    /// <summary>Refuses points that are not count clouds of n finite points in R^d, naming them
    /// (and the size's own name).</summary>
    private static void ThrowIfNotClouds(float[] points, int count, int n, string sizeName, int d, string name)
    {
        ArgumentNullException.ThrowIfNull(points, name);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, sizeName);
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1, nameof(d));
        ThrowHelper.ThrowIfLengthMismatch(points.Length, count * n * d, name, $"{count} clouds of {n} points in R^{d}");
        for (int k = 0; k < points.Length; k++)
            if (!float.IsFinite(points[k])) throw new ArgumentException($"{name}[{k}] is {points[k]}; points must be finite.", name);
    }

    /// <summary>One pair's problem: costs, potentials and the stored soft-max weights of every
    /// iteration, reused from pair to pair by one worker.</summary>
    private sealed class Workspace
    {
        private readonly int _n, _m, _d, _steps;
        private readonly double _eps;
        private readonly EntropicDistanceOptions _options;
        private readonly double[] _x, _y, _c, _kernel, _scaled, _f, _g, _fBar, _gBar, _gBarBefore, _cBar, _gradientX, _gradientY;
        private readonly double[][] _wf, _wg; // per iteration (the last only, Envelope): W of the f update [n, m], of the g update [m, n]
        private readonly SelfTerm? _selfX, _selfY;

        public Workspace(int n, int m, int d, EntropicDistanceOptions options)
        {
            (_n, _m, _d, _options, _eps, _steps) = (n, m, d, options, options.Epsilon, options.Iterations);
            (_x, _y, _c, _cBar) = (new double[n * d], new double[m * d], new double[n * m], new double[n * m]);
            (_gradientX, _gradientY) = (new double[n * d], new double[m * d]);
            (_kernel, _scaled) = (new double[n * m], new double[Math.Max(n, m)]);
            (_f, _g, _fBar, _gBar, _gBarBefore) = (new double[n], new double[m], new double[n], new double[m], new double[m]);
            int kept = options.Gradient == EntropicGradient.Envelope ? 1 : _steps;
            _wf = Enumerable.Range(0, kept).Select(_ => new double[n * m]).ToArray();
            _wg = Enumerable.Range(0, kept).Select(_ => new double[m * n]).ToArray();
            if (options.Kind == EntropicDistanceKind.Divergence) (_selfX, _selfY) = (new SelfTerm(n, options), new SelfTerm(m, options));
        }

        /// <summary>The distance between clouds x and y; keeps what the reverse pass needs.</summary>
        public double Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        {
            for (int k = 0; k < _x.Length; k++) _x[k] = x[k];
            for (int k = 0; k < _y.Length; k++) _y[k] = y[k];
            Costs(_x, _y, _n, _m, _d, _options.Metric, _c);
            double lowest = Kernel(_c, _eps, _kernel);
            double logA = -Math.Log(_n), logB = -Math.Log(_m);
            Array.Clear(_g);
            for (int t = 0; t < _steps; t++)
            {
                SoftMin(_c, _kernel, lowest, _n, _m, _g, logB, _eps, _f, Slot(_wf, t), _scaled, overColumns: true);
                SoftMin(_c, _kernel, lowest, _n, _m, _f, logA, _eps, _g, Slot(_wg, t), _scaled, overColumns: false);
            }
            double value = (_f.Sum() / _n) + (_g.Sum() / _m);
            return _options.Kind switch
            {
                EntropicDistanceKind.TransportCost => TransportCost(),
                EntropicDistanceKind.Value => value,
                _ => value - 0.5 * _selfX!.Forward(_x, _d) - 0.5 * _selfY!.Forward(_y, _d),
            };
        }

        /// <summary>&lt;P, C&gt; with P_ij = b_j W_L(g)_ji, the last g update's weights.</summary>
        private double TransportCost()
        {
            double[] w = _wg[^1];
            double cost = 0;
            for (int j = 0; j < _m; j++)
                for (int i = 0; i < _n; i++) cost += w[j * _n + i] / _m * _c[i * _m + j];
            return cost;
        }

        /// <summary>Writes scale times the last Forward's gradient into gradientX and gradientY.</summary>
        public void Backward(double scale, Span<float> gradientX, Span<float> gradientY)
        {
            Array.Clear(_cBar);
            if (_options.Gradient == EntropicGradient.Envelope) Envelope(scale);
            else Unrolled(scale);
            Array.Clear(_gradientX);
            Array.Clear(_gradientY);
            CostGradient(_cBar, _x, _y, _n, _m, _d, _options.Metric, _gradientX, _gradientY);
            _selfX?.Backward(-0.5 * scale, _x, _d, _gradientX);
            _selfY?.Backward(-0.5 * scale, _y, _d, _gradientY);
            for (int k = 0; k < _gradientX.Length; k++) gradientX[k] = (float)_gradientX[k];
            for (int k = 0; k < _gradientY.Length; k++) gradientY[k] = (float)_gradientY[k];
        }

        /// <summary>C-bar = scale P, the last plan P_ij = b_j W_L(g)_ji.</summary>
        private void Envelope(double scale)
        {
            double[] w = _wg[^1];
            for (int i = 0; i < _n; i++)
                for (int j = 0; j < _m; j++) _cBar[i * _m + j] = scale * w[j * _n + i] / _m;
        }

        /// <summary>C-bar of the distance through every iteration, in reverse.</summary>
        private void Unrolled(double scale)
        {
            if (_options.Kind == EntropicDistanceKind.TransportCost)
            {
                // dT = sum_ij P_ij dC_ij + C_ij P_ij (df_i + dg_j - dC_ij)/eps.
                Array.Clear(_fBar);
                Array.Clear(_gBar);
                double[] w = _wg[_steps - 1];
                for (int i = 0; i < _n; i++)
                    for (int j = 0; j < _m; j++)
                    {
                        double p = w[j * _n + i] / _m, pc = scale * p * _c[i * _m + j] / _eps;
                        _fBar[i] += pc;
                        _gBar[j] += pc;
                        _cBar[i * _m + j] = scale * p - pc;
                    }
            }
            else
            {
                Array.Fill(_fBar, scale / _n);
                Array.Fill(_gBar, scale / _m);
            }
            for (int t = _steps - 1; t >= 0; t--)
            {
                // g_t = softmin over i of (C - f_t): f-bar and C-bar from g-bar.
                SoftMinAdjoint(_wg[t], _gBar, 1, _fBar, _cBar, _n, _m, overColumns: false);
                // f_t = softmin over j of (C - g_{t-1}): g-bar of t-1 and C-bar from f-bar.
                Array.Clear(_gBarBefore);
                SoftMinAdjoint(_wf[t], _fBar, 1, _gBarBefore, _cBar, _n, _m, overColumns: true);
                _gBarBefore.CopyTo(_gBar, 0);
                Array.Clear(_fBar); // f_{t-1} feeds only g_{t-1}
            }
        }
    }

    /// <summary>OT_eps(a, a) of one cloud by L averaged symmetric steps, with its weights kept.</summary>
    private sealed class SelfTerm
    {
        private readonly int _count, _steps;
        private readonly double _eps;
        private readonly GroundMetric _metric;
        private readonly bool _envelope;
        private readonly double[] _c, _kernel, _scaled, _cBar, _f, _s, _fBar, _fBarBefore;
        private readonly double[][] _w; // per step (the last only, Envelope): W of softmin(f_{t-1}) [count, count]

        public SelfTerm(int count, EntropicDistanceOptions options)
        {
            (_count, _steps, _eps, _metric) = (count, options.Iterations, options.Epsilon, options.Metric);
            _envelope = options.Gradient == EntropicGradient.Envelope;
            (_c, _cBar, _kernel, _scaled) = (new double[count * count], new double[count * count], new double[count * count], new double[count]);
            (_f, _s, _fBar, _fBarBefore) = (new double[count], new double[count], new double[count], new double[count]);
            _w = Enumerable.Range(0, _envelope ? 1 : _steps).Select(_ => new double[count * count]).ToArray();
        }

        public double Forward(double[] z, int d)
        {
            Costs(z, z, _count, _count, d, _metric, _c);
            double lowest = Kernel(_c, _eps, _kernel);
            double logA = -Math.Log(_count);
            Array.Clear(_f);
            for (int t = 0; t < _steps; t++)
            {
                SoftMin(_c, _kernel, lowest, _count, _count, _f, logA, _eps, _s, Slot(_w, t), _scaled, overColumns: false);
                for (int i = 0; i < _count; i++) _f[i] = 0.5 * (_f[i] + _s[i]);
            }
            return 2 * _f.Sum() / _count;
        }

        /// <summary>Adds scale times the gradient of the last Forward's value to gradient.</summary>
        public void Backward(double scale, double[] z, int d, double[] gradient)
        {
            Array.Clear(_cBar);
            if (_envelope)
            {
                // The last plan P_ij = a_i W_ij (W's rows are the soft-max over j of row i).
                double[] w = _w[^1];
                for (int k = 0; k < w.Length; k++) _cBar[k] = scale * w[k] / _count;
                CostGradient(_cBar, z, z, _count, _count, d, _metric, gradient, gradient);
                return;
            }
            Array.Fill(_fBar, 2 * scale / _count);
            for (int t = _steps - 1; t >= 0; t--)
            {
                // f_t = (f_{t-1} + s_t)/2 with s_t = softmin of f_{t-1}: s-bar = f-bar / 2.
                for (int i = 0; i < _count; i++) _fBarBefore[i] = 0.5 * _fBar[i];
                SoftMinAdjoint(_w[t], _fBar, 0.5, _fBarBefore, _cBar, _count, _count, overColumns: false);
                _fBarBefore.CopyTo(_fBar, 0);
            }
            // C_ij = c(z_i, z_j): both ends move, so both sides accumulate into one gradient.
            CostGradient(_cBar, z, z, _count, _count, d, _metric, gradient, gradient);
        }
    }

    /// <summary>Where iteration t's weights go: their own array when every iteration is kept
    /// (Unrolled), else the one array that ends holding the last (Envelope).</summary>
    private static double[] Slot(double[][] kept, int t) => kept[Math.Min(t, kept.Length - 1)];

    /// <summary>C_ij = |x_i - y_j|^2 or |x_i - y_j|, [n, m].</summary>
    private static void Costs(double[] x, double[] y, int n, int m, int d, GroundMetric metric, double[] c)
    {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double sum = 0;
                for (int k = 0; k < d; k++)
                {
                    double diff = x[i * d + k] - y[j * d + k];
                    sum += diff * diff;
                }
                c[i * m + j] = metric == GroundMetric.SqEuclidean ? sum : Math.Sqrt(sum);
            }
    }

    /// <summary>Adds sum_j cBar_ij dC_ij/dx_i to gradientX and sum_i cBar_ij dC_ij/dy_j to
    /// gradientY (|x - y| has gradient 0 where x = y, a subgradient).</summary>
    private static void CostGradient(double[] cBar, double[] x, double[] y, int n, int m, int d, GroundMetric metric, double[] gradientX, double[] gradientY)
    {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double weight = cBar[i * m + j];
                if (weight == 0) continue;
                double factor = 2 * weight;
                if (metric == GroundMetric.Euclidean)
                {
                    double sum = 0;
                    for (int k = 0; k < d; k++) sum += (x[i * d + k] - y[j * d + k]) * (x[i * d + k] - y[j * d + k]);
                    factor = sum > 0 ? weight / Math.Sqrt(sum) : 0;
                }
                for (int k = 0; k < d; k++)
                {
                    double v = factor * (x[i * d + k] - y[j * d + k]);
                    gradientX[i * d + k] += v;
                    gradientY[j * d + k] -= v;
                }
            }
    }

    /// <summary>The reverse of one soft-min update (SoftMin's weights W, [outer, inner]): with
    /// r-bar = scale x resultBar, subtracts sum_o r-bar_o W_ok from hBar_k (the soft-min's
    /// Jacobian in its argument is -W) and adds r-bar_o W_ok to the cost entry's C-bar (its
    /// Jacobian in C is W). The cost is [n, m]; overColumns as in SoftMin.</summary>
    private static void SoftMinAdjoint(double[] weights, double[] resultBar, double scale, double[] hBar, double[] cBar, int n, int m, bool overColumns)
    {
        int outer = overColumns ? n : m, inner = overColumns ? m : n;
        for (int o = 0; o < outer; o++)
        {
            double rb = scale * resultBar[o];
            if (rb == 0) continue;
            for (int k = 0; k < inner; k++)
            {
                double v = rb * weights[o * inner + k];
                hBar[k] -= v;
                cBar[overColumns ? o * m + k : k * m + o] += v;
            }
        }
    }

    /// <summary>The Gibbs kernel K = exp(-(C - min C)/eps) of a cost [rows, cols], when its
    /// range fits (as Geometry.GibbsKernel: (max C - min C)/eps &lt;= 600, so no sum of a
    /// soft-min can underflow in double); returns min C, or NaN when the range is too wide and
    /// the soft-mins must take the log-domain path.</summary>
    private static double Kernel(double[] c, double eps, double[] kernel)
    {
        double lowest = TensorPrimitives.Min<double>(c), highest = TensorPrimitives.Max<double>(c);
        if ((highest - lowest) / eps > GibbsKernel<double>.Widest) return double.NaN;
        for (int k = 0; k < c.Length; k++) kernel[k] = -(c[k] - lowest) / eps;
        TensorPrimitives.Exp<double>(kernel, kernel);
        return lowest;
    }

    /// <summary>One soft-min update and its soft-max weights. overColumns: result_i =
    /// -eps log sum_j w exp((h_j - C_ij)/eps) over the n rows of C [n, m], weights [n, m];
    /// otherwise result_j over its m columns, weights [m, n]. With a kernel (lowest finite),
    /// the rows are products K_ij exp(h_j/eps - M), M = max h/eps: inner exps per update, not
    /// inner x outer; without, each row is shifted by its max and the block goes through one
    /// vectorised exp.</summary>
    private static void SoftMin(double[] c, double[] kernel, double lowest, int n, int m, double[] h, double logWeight, double eps,
        double[] result, double[] weights, double[] scaled, bool overColumns)
    {
        int outer = overColumns ? n : m, inner = overColumns ? m : n;
        double inverse = 1 / eps;
        Span<double> block = weights.AsSpan(0, outer * inner);
        if (!double.IsNaN(lowest))
        {
            // Short rows (a few points) in plain loops: a library call per row costs more
            // than its arithmetic there.
            Span<double> e = scaled.AsSpan(0, inner);
            double top = double.NegativeInfinity;
            for (int k = 0; k < inner; k++) top = Math.Max(top, e[k] = h[k] * inverse);
            if (inner >= 16)
            {
                TensorPrimitives.Subtract(e, top, e);
                TensorPrimitives.Exp<double>(e, e);
            }
            else for (int k = 0; k < inner; k++) e[k] = Math.Exp(e[k] - top);
            for (int o = 0; o < outer; o++)
            {
                Span<double> z = block.Slice(o * inner, inner);
                double sum = 0;
                if (overColumns) for (int k = 0; k < inner; k++) sum += z[k] = kernel[o * m + k] * e[k];
                else for (int k = 0; k < inner; k++) sum += z[k] = kernel[k * m + o] * e[k];
                double reciprocal = 1 / sum;
                for (int k = 0; k < inner; k++) z[k] *= reciprocal;
                result[o] = lowest - eps * (top + logWeight + Math.Log(sum));
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            Span<double> z = block.Slice(o * inner, inner);
            double max = double.NegativeInfinity;
            for (int k = 0; k < inner; k++)
            {
                double cost = overColumns ? c[o * m + k] : c[k * m + o];
                z[k] = (h[k] - cost) * inverse;
                if (z[k] > max) max = z[k];
            }
            for (int k = 0; k < inner; k++) z[k] -= max;
            result[o] = max;
        }
        TensorPrimitives.Exp<double>(block, block);
        for (int o = 0; o < outer; o++)
        {
            Span<double> z = block.Slice(o * inner, inner);
            double sum = TensorPrimitives.Sum<double>(z);
            TensorPrimitives.Divide(z, sum, z);
            // The uniform weight factors out of the sum: logW is added once per row.
            result[o] = -eps * (result[o] + logWeight + Math.Log(sum));
        }
    }
}
