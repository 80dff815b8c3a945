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
        Box[] boxes = new Box[count];
        for (int k = 0; k < count; k++) boxes[k] = Box.Around(a.AsSpan(k * n, n), h, w);

        var bar = Enumerable.Repeat(1.0 / n, n).ToArray();
        var u = new double[count * n];
        var v = new double[count * n];
        var ku = new double[count * n];
        var kv = new double[count * n];        // K V on each image's box; scratch for the spread
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        int chunk = Math.Max(1, 4096 / n), chunks = (count + chunk - 1) / chunk;
        // K U for U = 1 (POT's start): every image's box is the whole grid here.
        Parallel.For(0, count, parallel, () => new double[n], (k, _, rows) =>
        {
            u.AsSpan(k * n, n).Fill(1);
            Box.Whole(h, w).BlurFromBox(kh, kw, u.AsSpan(k * n, n), ku.AsSpan(k * n, n), rows);
            u.AsSpan(k * n, n).Clear();
            return rows;
        }, _ => { });
        double error = double.NaN;
        int iteration = 0;
        var status = SinkhornStatus.MaxIterations;
        for (; iteration < options.MaxIterations; iteration++)
        {
            // Per image, in parallel: V = b / KU, then K V only on the image's box (U = a / K V
            // is zero elsewhere), U on the box, and K U from the box (the only nonzero part of U).
            Parallel.For(0, chunks, parallel, () => new double[2 * n], (c, _, scratch) =>
            {
                for (int k = c * chunk; k < Math.Min(count, (c + 1) * chunk); k++)
                {
                    Span<double> vk = v.AsSpan(k * n, n), uk = u.AsSpan(k * n, n), kvk = kv.AsSpan(k * n, n);
                    TensorPrimitives.Divide(bar, ku.AsSpan(k * n, n), vk);
                    Box box = boxes[k];
                    box.BlurToBox(kh, kw, vk, kvk, scratch);
                    for (int r = 0; r < box.Rows; r++)
                    {
                        int at = (box.Top + r) * w + box.Left;
                        TensorPrimitives.Divide(a.AsSpan(k * n + at, box.Cols), kvk.Slice(r * box.Cols, box.Cols), uk.Slice(at, box.Cols));
                    }
                    box.BlurFromBox(kh, kw, uk, ku.AsSpan(k * n, n), scratch);
                }
                return scratch;
            }, _ => { });
            // Per pixel range, in parallel: b = exp(sum_k lambda_k log(KU_k + floor)).
            int pixelChunk = Math.Max(64, n / Math.Max(1, Environment.ProcessorCount) + 1);
            Parallel.For(0, (n + pixelChunk - 1) / pixelChunk, parallel, c =>
            {
                int first = c * pixelChunk, length = Math.Min(n, first + pixelChunk) - first;
                Span<double> sum = bar.AsSpan(first, length);
                Span<double> term = stackalloc double[length], factor = stackalloc double[length];
                sum.Clear();
                for (int k = 0; k < count;)
                {
                    // One logarithm per group of up to four inputs of equal weight: the log of
                    // their product. Each factor is at least the floor 1e-30, so the product
                    // cannot underflow; should it overflow, the group takes one log per input.
                    int group = 1;
                    while (group < 4 && k + group < count && lambda[k + group] == lambda[k]) group++;
                    TensorPrimitives.Add(ku.AsSpan(k * n + first, length), GeometricMeanFloor, term);
                    for (int q = 1; q < group; q++)
                    {
                        TensorPrimitives.Add(ku.AsSpan((k + q) * n + first, length), GeometricMeanFloor, factor);
                        TensorPrimitives.Multiply(term, factor, term);
                    }
                    if (group > 1 && !double.IsFinite(TensorPrimitives.Max<double>(term))) group = 1;
                    if (group == 1) TensorPrimitives.Add(ku.AsSpan(k * n + first, length), GeometricMeanFloor, term);
                    TensorPrimitives.Log(term, term);
                    TensorPrimitives.MultiplyAdd(term, lambda[k], sum, sum);
                    k += group;
                }
                TensorPrimitives.Exp(sum, sum);
            });
            if (iteration % options.CheckEvery == options.CheckEvery - 1)
            {
                TensorPrimitives.Multiply(v, ku, kv); // K V is recomputed before its next use: scratch here
                error = SumOfStandardDeviations(kv, count, n);
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

    /// <summary>The bounding box of an image's support: rows [Top, Top + Rows), columns
    /// [Left, Left + Cols). Outside it the image is exactly zero, so products that read it
    /// skip those rows and columns (and the sums lose no term), and products that feed only
    /// U = a / K V there are computed there alone.</summary>
    private readonly record struct Box(int Top, int Left, int Rows, int Cols, int Height, int Width)
    {
        public static Box Whole(int h, int w) => new(0, 0, h, w, h, w);

        public static Box Around(ReadOnlySpan<double> image, int h, int w)
        {
            int top = h, bottom = -1, left = w, right = -1;
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                    if (image[r * w + c] > 0)
                    {
                        top = Math.Min(top, r); bottom = Math.Max(bottom, r);
                        left = Math.Min(left, c); right = Math.Max(right, c);
                    }
            return new Box(top, left, bottom - top + 1, right - left + 1, h, w);
        }

        /// <summary>(K_h X K_w) restricted to the box, as a dense Rows x Cols block in result;
        /// scratch holds Rows x Width.</summary>
        public void BlurToBox(double[] kh, double[] kw, ReadOnlySpan<double> x, Span<double> result, Span<double> scratch)
        {
            Span<double> s = scratch[..(Rows * Width)];
            SmallMatrix.Multiply<double>(kh.AsSpan(Top * Height, Rows * Height), Height, x, Width, s, Rows, Height, Width);
            SmallMatrix.Multiply<double>(s, Width, kw.AsSpan(Left), Width, result[..(Rows * Cols)], Rows, Width, Cols);
        }

        /// <summary>K_h X K_w over the whole grid for X zero outside the box; scratch holds
        /// Rows x Width.</summary>
        public void BlurFromBox(double[] kh, double[] kw, ReadOnlySpan<double> x, Span<double> result, Span<double> scratch)
        {
            Span<double> t = scratch[..(Rows * Width)];
            SmallMatrix.Multiply<double>(x[(Top * Width + Left)..], Width, kw.AsSpan(Left * Width), Width, t, Rows, Cols, Width);
            SmallMatrix.Multiply<double>(kh.AsSpan(Top), Height, t, Width, result, Height, Rows, Width);
        }
    }
}
