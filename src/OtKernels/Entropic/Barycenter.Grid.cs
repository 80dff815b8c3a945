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
        // Chunks of eight images: two groups of four for the geometric mean's logarithms.
        const int chunk = 8;
        int chunks = (count + chunk - 1) / chunk;
        var partial = new double[chunks * n];  // each chunk's sum_k lambda_k log(KU_k + floor)
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
            // Per chunk of images, in parallel: V = b / KU, then K V only on each image's box
            // (U = a / K V is zero elsewhere), U on the box, K U from the box (the only nonzero
            // part of U), and the chunk's share of the geometric mean while K U is in cache.
            Parallel.For(0, chunks, parallel, () => new double[3 * n], (c, _, scratch) =>
            {
                int first = c * chunk, last = Math.Min(count, first + chunk);
                for (int k = first; k < last; k++)
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
                AddLogMean(ku, lambda, first, last, n, partial.AsSpan(c * n, n), scratch.AsSpan(n, n), scratch.AsSpan(2 * n, n));
                return scratch;
            }, _ => { });
            // b = exp(sum over chunks), in chunk order: the result does not depend on the threads.
            Array.Clear(bar);
            for (int c = 0; c < chunks; c++) TensorPrimitives.Add(bar, partial.AsSpan(c * n, n), bar);
            TensorPrimitives.Exp(bar, bar);
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

    /// <summary>sum = sum over k in [first, last) of lambda_k log(KU_k + floor), with one
    /// logarithm per group of up to four inputs of equal weight: the log of their product.
    /// Each factor is at least the floor 1e-30, so the product cannot underflow; a group
    /// whose product overflows takes one log per input.</summary>
    private static void AddLogMean(double[] ku, double[] lambda, int first, int last, int n, Span<double> sum, Span<double> term, Span<double> factor)
    {
        sum.Clear();
        for (int k = first; k < last;)
        {
            int group = 1;
            while (group < 4 && k + group < last && lambda[k + group] == lambda[k]) group++;
            TensorPrimitives.Add(ku.AsSpan(k * n, n), GeometricMeanFloor, term);
            for (int q = 1; q < group; q++)
            {
                TensorPrimitives.Add(ku.AsSpan((k + q) * n, n), GeometricMeanFloor, factor);
                TensorPrimitives.Multiply(term, factor, term);
            }
            if (group > 1 && !double.IsFinite(TensorPrimitives.Max<double>(term)))
            {
                group = 1;
                TensorPrimitives.Add(ku.AsSpan(k * n, n), GeometricMeanFloor, term);
            }
            TensorPrimitives.Log(term, term);
            TensorPrimitives.MultiplyAdd(term, lambda[k], sum, sum);
            k += group;
        }
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
