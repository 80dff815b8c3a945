// Convolutional Wasserstein barycenters on image grids (Solomon, de Goes, Peyre, Cuturi,
// Butscher, Nguyen, Du, Guibas 2015, algorithm 2): the Bregman iterations of Barycenter.cs
// in the kernel (scaling) domain, where the Gibbs kernel of the squared Euclidean grid cost
// is separable, K = K_h (x) K_w with K_h[r, s] = exp(-(r - s)^2 spacing^2 / eps), so
// applying it to an image X is two small products K_h X K_w: O(h w (h + w)) instead of
// O((h w)^2). All inputs are blurred together, in parallel over images. The iteration and
// its stopping rule are POT's (_convolutional_barycenter2d), including the floor 1e-30 under
// the logarithm of the geometric mean, so that a comparison runs the same computation:
//     V_k = b / K U_k,  U_k = a_k / K V_k,  b = exp(sum_k lambda_k log(K U_k + 1e-30)),
// checked every CheckEvery iterations (at ii % 10 == 9) by sum_pixels std_k (V_k K U_k).
// In the kernel domain K's entries underflow below exp(-745): eps must not be much
// smaller than spacing^2 (max distance)^2 / 700, e.g. 1.1 px^2 on 28 x 28; Bregman (log
// domain) has no such limit.
using System.Numerics.Tensors;
using OtKernels.Geometry;
using OtKernels.LinearAlgebra;

namespace OtKernels.Entropic;

public static partial class Barycenter
{
    private const double GeometricMeanFloor = 1e-30;

    /// <summary>The barycenter of images [K, height x width] on grid, by convolutions.</summary>
    public static BarycenterResult Convolutional(ImageGridCost grid, ReadOnlySpan<double> histograms, ReadOnlySpan<double> weights,
        BarycenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int h = grid.Height, w = grid.Width, n = h * w;
        double[] a = Normalised(histograms, n, out int count);
        double[] lambda = Weights(weights, count);
        double[] kh = Gaussian(h, grid.Spacing, options.Epsilon), kw = Gaussian(w, grid.Spacing, options.Epsilon);
        var blur = new SeparableBlur(kh, kw, h, w, count);

        var bar = Enumerable.Repeat(1.0 / n, n).ToArray();
        var u = Enumerable.Repeat(1.0, count * n).ToArray();
        var v = new double[count * n];
        var ku = new double[count * n];
        var kv = new double[count * n];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        int chunk = Math.Max(1, 4096 / n), chunks = (count + chunk - 1) / chunk;
        Parallel.For(0, chunks, parallel, c => blur.Apply(u, ku, c * chunk, Math.Min(count, (c + 1) * chunk)));
        double error = double.NaN;
        int iteration = 0;
        var status = SinkhornStatus.MaxIterations;
        for (; iteration < options.MaxIterations; iteration++)
        {
            // Per image, in parallel: V = b / KU, KV, U = a / KV, KU (the two projections).
            Parallel.For(0, chunks, parallel, c =>
            {
                int first = c * chunk, last = Math.Min(count, first + chunk);
                for (int k = first; k < last; k++) TensorPrimitives.Divide(bar, ku.AsSpan(k * n, n), v.AsSpan(k * n, n));
                blur.Apply(v, kv, first, last);
                TensorPrimitives.Divide(a.AsSpan(first * n, (last - first) * n), kv.AsSpan(first * n, (last - first) * n), u.AsSpan(first * n, (last - first) * n));
                blur.Apply(u, ku, first, last);
            });
            // Per pixel range, in parallel: b = exp(sum_k lambda_k log(KU_k + floor)).
            int pixelChunk = Math.Max(64, n / Math.Max(1, Environment.ProcessorCount) + 1);
            Parallel.For(0, (n + pixelChunk - 1) / pixelChunk, parallel, c =>
            {
                int first = c * pixelChunk, length = Math.Min(n, first + pixelChunk) - first;
                Span<double> sum = bar.AsSpan(first, length);
                Span<double> term = stackalloc double[length];
                sum.Clear();
                for (int k = 0; k < count; k++)
                {
                    TensorPrimitives.Add(ku.AsSpan(k * n + first, length), GeometricMeanFloor, term);
                    TensorPrimitives.Log(term, term);
                    TensorPrimitives.MultiplyAdd(term, lambda[k], sum, sum);
                }
                TensorPrimitives.Exp(sum, sum);
            });
            if (iteration % options.CheckEvery == options.CheckEvery - 1)
            {
                error = ProductSpread(v, ku, count, n);
                if (!double.IsFinite(error)) { status = SinkhornStatus.Diverged; break; }
                if (error < options.Tolerance) { status = SinkhornStatus.Converged; break; }
            }
        }
        return new BarycenterResult(bar, Math.Min(iteration + 1, options.MaxIterations), error, status);
    }

    /// <summary>The 1D Gibbs factor exp(-(r - s)^2 spacing^2 / eps), size x size.</summary>
    private static double[] Gaussian(int size, double spacing, double eps)
    {
        var k = new double[size * size];
        for (int r = 0; r < size; r++)
            for (int s = 0; s < size; s++) k[r * size + s] = Math.Exp(-(r - s) * (r - s) * spacing * spacing / eps);
        return k;
    }

    /// <summary>sum_p std_k (V_k KU_k)_p.</summary>
    private static double ProductSpread(double[] v, double[] ku, int count, int n) =>
        SumOfStandardDeviations(count, n, (k, p) => v[k * n + p] * ku[k * n + p]);

    /// <summary>K X = K_h X K_w for images [first, last) of a batch [count, h, w].</summary>
    private sealed class SeparableBlur(double[] kh, double[] kw, int h, int w, int count)
    {
        private readonly double[] _rows = new double[count * h * w];

        public void Apply(double[] images, double[] result, int first, int last)
        {
            int n = h * w, length = (last - first) * n;
            // Rows of every image of the range at once: [images x h, w] times K_w.
            SmallMatrix.Multiply<double>(images.AsSpan(first * n, length), kw, _rows.AsSpan(first * n, length), (last - first) * h, w, w);
            for (int k = first; k < last; k++)
                SmallMatrix.Multiply<double>(kh, _rows.AsSpan(k * n, n), result.AsSpan(k * n, n), h, h, w);
        }
    }
}
