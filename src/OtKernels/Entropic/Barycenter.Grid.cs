// Barycenters on image grids in the kernel (scaling) domain, where the Gibbs kernel of the
// squared Euclidean grid cost is separable, K = K_h (x) K_w with K_h[r, s] =
// exp(-(r - s)^2 spacing^2 / eps), so applying it to an image X is two small products
// K_h X K_w: O(h w (h + w)) instead of O((h w)^2). Two updates share these blurs:
//  - Solomon, de Goes, Peyre, Cuturi, Butscher, Nguyen, Du, Guibas 2015 (algorithm 2), the
//    convolutional barycenter, as POT's _convolutional_barycenter2d, including the floor 1e-30
//    under the logarithm of the geometric mean:
//        V_k = b / K U_k,  U_k = a_k / K V_k,  b = exp(sum_k lambda_k log(K U_k + 1e-30)),
//    starting from U = 1, b uniform, checked at ii % 10 == 9;
//  - Benamou, Carlier, Cuturi, Nenna, Peyre 2015 (section 3.2) in POT's kernel form
//    (_barycenter_sinkhorn), Barycenter.Bregman's iteration with K applied by blurs:
//        u_k = b / q_k,  q_k = K (a_k / K u_k),  b = exp(sum_k lambda_k log(u_k q_k)),
//    starting from q_k = K (a_k / K 1) and b their unweighted geometric mean, checked at
//    ii % 10 == 1.
// Both have the form x_k = b / y_k, y_k = K (a_k / K x_k), b = geomean_k(factor_k), and stop
// on POT's rule, sum_pixels std_k (x_k y_k) below the tolerance (the deviations gathered per
// chunk of images, ChunkedDeviations, not from stored products). Each image's support box
// bounds its blurs exactly: a_k / K x_k is zero outside it, so K x_k is computed on the box
// alone and the second blur reads the box alone. Per image and iteration only y_k is kept
// (x_k, a_k / K x_k and the running product of the factors live in per-thread scratch): the
// iteration is bound by memory traffic as much as by the blurs' arithmetic. Over-relaxed
// (BarycenterOptions.OverRelaxation, Benamou only), x_k and a_k / K x_k on the box are kept
// too, as the last values their next update moves from.
// In the kernel domain K's entries underflow below exp(-745): eps must not be much smaller
// than spacing^2 (side - 1)^2 / 700 on either axis, e.g. 1.1 px^2 on 28 x 28, or the
// scalings can overflow; the log domain (Barycenter.Bregman) has no such limit, and
// BarycenterDomain.Auto takes it there. Within the bound the kernel form never overflowed in
// 3,000 random 1D cases (deltas of masses 1e-12 to 1, weights 1e-3 to 1, eps at 600-699 of
// the bound).
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OtKernels.Geometry;
using OtKernels.LinearAlgebra;

namespace OtKernels.Entropic;

public static partial class Barycenter
{
    /// <summary>The barycenter of images [K, height x width] on grid, by convolutions
    /// (always in the kernel domain).</summary>
    /// <exception cref="ArgumentException">Bad histograms or weights, or options.Domain Log.</exception>
    public static BarycenterResult Convolutional(ReadOnlySpan<double> histograms, ReadOnlySpan<double> weights, ImageGridCost grid,
        BarycenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Domain == BarycenterDomain.Log)
            throw new ArgumentException("The convolutional barycenter runs in the kernel domain; Barycenter.Bregman runs in the log domain.", nameof(options));
        if (options.OverRelaxation != 1)
            throw new ArgumentException("options.OverRelaxation must be 1 for the convolutional barycenter: its floor under the logarithm (POT's 1e-30) makes "
                                        + "where it converges depend on the path (an over-relaxed run settled elsewhere); Barycenter.Bregman takes it.", nameof(options));
        double[] a = Normalised(histograms, grid.Rows, out int count);
        return OnGrid(grid, a, Weights(weights, count), options, GridUpdate.Solomon);
    }

    private enum GridUpdate { Solomon, Benamou }

    /// <summary>Whether every entry of the 1D Gibbs factors is a normal double, so that the
    /// kernel domain loses no entry of K. Beyond it the kernel form can overflow (Diverged;
    /// two pairs of deltas at the ends of a 40-bin line at eps = 39^2 / 1500) or converge.</summary>
    private static bool KernelDomainFits(ImageGridCost grid, double eps)
    {
        double side = Math.Max(grid.Height, grid.Width) - 1;
        return side * side * grid.Spacing * grid.Spacing / eps < 700;
    }

    /// <summary>The iteration of the header on normalised histograms a [count, n].</summary>
    private static BarycenterResult OnGrid(ImageGridCost grid, double[] a, double[] lambda, BarycenterOptions options, GridUpdate update)
    {
        int h = grid.Height, w = grid.Width, n = h * w, count = lambda.Length;
        (double[] kh, double[] kw) = grid.GibbsFactors(options.Epsilon);
        // Each image's support box, and the images cut down to their boxes, end to end: one
        // division per image and a contiguous read.
        var boxes = new Box[count];
        int offset = 0;
        for (int k = 0; k < count; k++)
        {
            boxes[k] = new Box(GridWindow.Around<double>(a.AsSpan(k * n, n), h, w), h, w, offset);
            offset += boxes[k].Window.Count;
        }
        var onBoxes = new double[offset];
        for (int k = 0; k < count; k++) boxes[k].Window.Gather<double>(a.AsSpan(k * n, n), w, onBoxes.AsSpan(boxes[k].Offset, boxes[k].Window.Count));
        // Chunks of eight images, one group for the geometric mean's logarithms where the
        // weights are equal; chunk partial sums are added in chunk order, so the result does
        // not depend on the threads.
        const int chunk = 8;
        int chunks = (count + chunk - 1) / chunk;
        var partial = new double[chunks * n];  // each chunk's sum_k lambda_k log factor_k
        var y = new double[count * n];
        var bar = new double[n];
        // Over-relaxed (Benamou only; Convolutional refuses it): both scalings of each input,
        // x_k and a_k / K x_k on its box, keep their last values (RelaxScaling).
        bool relaxed = options.OverRelaxation != 1;
        double[]? lastX = relaxed ? new double[count * n] : null;
        double[]? lastQuotient = relaxed ? new double[onBoxes.Length] : null;

        // The start: y = K 1 and b uniform (Solomon); y_k = K (a_k / K 1) and b their
        // weighted geometric mean (Benamou: POT's first UKv and u = geomean / UKv). The update
        // u_k <- u_k b / (u_k q_k) keeps prod_k u_k^lambda_k, which the projections need to be
        // 1 (sum_k lambda_k log v_k = 0 in Benamou et al.'s terms). POT starts from the
        // unweighted mean, which gives 1 only for equal weights: with unequal ones its fixed
        // point moves (seen: the mean of three bumps 0.06 px off), and weights (1, 0) do not
        // give the first input's barycenter.
        var ones = new double[n];
        Array.Fill(ones, 1.0);
        var kOnes = new double[n];
        Box.Whole(h, w).BlurFromBox(kh, kw, ones, kOnes, new double[n]);
        if (update == GridUpdate.Solomon)
        {
            for (int k = 0; k < count; k++) kOnes.CopyTo(y, k * n);
            Array.Fill(bar, 1.0 / n);
        }
        // (Benamou's start is the team's first step, below.)

        // The iterations run on a team of threads (ThreadTeam: milliseconds per iteration are too
        // few for a Parallel.For each). Per iteration: the chunks, claimed in any order; the
        // barycenter and, on check iterations, the spread per pixel, each worker on its share
        // of the pixels; then every worker takes the same decision from the same values.
        var chunkMeans = new double[chunks * n];  // each chunk's mean of x_k y_k on check iterations
        var chunkM2s = new double[chunks * n];    // and its sum of squared deviations
        var deviations = new double[n];           // std_k (x_k y_k) per pixel
        var means = new double[n];
        int phase = update == GridUpdate.Solomon ? options.CheckEvery - 1 : 1 % options.CheckEvery;
        // The work a team takes off the caller's thread: all but the largest share of chunks.
        int cores = Math.Min(chunks, Environment.ProcessorCount);
        long handedOff = (long)(count - Math.Min(count, (chunks + cores - 1) / cores * chunk)) * n;
        int workers = ThreadTeam.Workers(handedOff, SmallGridWork, chunks, options.MaxDegreeOfParallelism);
        int nextChunk = 0, iterations = 0;
        double error = double.NaN;
        var status = SinkhornStatus.MaxIterations;
        ThreadTeam.Run(workers, (worker, team) =>
        {
            var scratch = new Scratch(n);
            (int start, int end) = team.Share(worker, n);
            if (update == GridUpdate.Benamou)
            {
                for (int c; (c = Interlocked.Increment(ref nextChunk) - 1) < chunks;) StartChunk(c, scratch);
                team.Sync();
                if (worker == 0) nextChunk = 0;
                SumChunks(partial, chunks, n, bar.AsSpan(start, end - start), start);
                team.Sync();
            }
            double spread = double.NaN;
            var outcome = SinkhornStatus.MaxIterations;
            int iteration = 0;
            for (; iteration < options.MaxIterations; iteration++)
            {
                bool check = iteration % options.CheckEvery == phase;
                (double xSide, double quotientSide) = options.RelaxationsAt(iteration, check);
                for (int c; (c = Interlocked.Increment(ref nextChunk) - 1) < chunks;)
                    Chunk(c, scratch, check, xSide, quotientSide);
                team.Sync();
                if (worker == 0) nextChunk = 0;  // no chunk is claimed again before the next Sync
                SumChunks(partial, chunks, n, bar.AsSpan(start, end - start), start);
                if (check) ChunkedDeviations.Merge(chunkMeans, chunkM2s, chunk, count, n, start, means.AsSpan(start, end - start), deviations.AsSpan(start, end - start));
                team.Sync();
                if (!double.IsFinite(TensorPrimitives.Sum<double>(bar))) { outcome = SinkhornStatus.Diverged; break; }
                if (check && SpreadStatus(deviations, options.Tolerance, out spread) is { } stop) { outcome = stop; break; }
            }
            if (worker == 0) (iterations, error, status) = (Math.Min(iteration + 1, options.MaxIterations), spread, outcome);
        });
        return new BarycenterResult(bar, iterations, error, status, BarycenterDomain.Kernel);

        // Benamou's start for one chunk of images: y = K (a / K 1) and its share of the mean.
        void StartChunk(int c, Scratch scratch)
        {
            int first = c * chunk, last = Math.Min(count, first + chunk);
            Span<double> sum = partial.AsSpan(c * n, n);
            scratch.Mean.Start();
            for (int k = first; k < last; k++)
            {
                Box box = boxes[k];
                Span<double> quotient = scratch.OnBox.AsSpan(0, box.Window.Count);
                box.Window.Gather<double>(kOnes, w, quotient);
                Elementwise.Map<Elementwise.Divide>(onBoxes.AsSpan(box.Offset, quotient.Length), quotient, quotient);
                box.BlurFromBox(kh, kw, quotient, y.AsSpan(k * n, n), scratch.Blur);
                scratch.Mean.Add<GeometricMeanLogs.Second>(y.AsSpan(k * n, n), y.AsSpan(k * n, n), lambda[k], sum);
            }
            scratch.Mean.Flush(sum);
        }

        // One chunk of images: x = b / y, K x on the box, a / K x there, y = K of that from the
        // box, and the chunk's share of the geometric mean while the factors are in cache.
        // This and the steps it calls per image are compiled optimised at their first call: a
        // program under .NET's default tiering otherwise ran them as tier-0 code for the first
        // part of the solve (1,000 threes: 3.4-4.0 ms per iteration tiered, 3.1-3.6 untiered).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Chunk(int c, Scratch scratch, bool check, double xSide, double quotientSide)
        {
            int first = c * chunk, last = Math.Min(count, first + chunk);
            Span<double> x = scratch.X, sum = partial.AsSpan(c * n, n);
            scratch.Mean.Start();
            for (int k = first; k < last; k++)
            {
                Span<double> yk = y.AsSpan(k * n, n);
                Elementwise.Map<Elementwise.Divide>(bar, yk, x);
                if (lastX is not null) RelaxScaling(x, xSide, lastX.AsSpan(k * n, n));
                Box box = boxes[k];
                Span<double> quotient = scratch.OnBox.AsSpan(0, box.Window.Count);
                box.BlurToBox(kh, kw, x, quotient, scratch.Blur);
                Elementwise.Map<Elementwise.Divide>(onBoxes.AsSpan(box.Offset, quotient.Length), quotient, quotient);
                if (lastQuotient is not null) RelaxScaling(quotient, quotientSide, lastQuotient.AsSpan(box.Offset, quotient.Length));
                box.BlurFromBox(kh, kw, quotient, yk, scratch.Blur);
                if (update == GridUpdate.Solomon) scratch.Mean.Add<GeometricMeanLogs.SecondPlusFloor>(x, yk, lambda[k], sum);
                else scratch.Mean.Add<Elementwise.Multiply>(x, yk, lambda[k], sum);
                if (check) ChunkedDeviations.Add<Elementwise.Multiply>(x, yk, k - first, chunkMeans.AsSpan(c * n, n), chunkM2s.AsSpan(c * n, n));
            }
            scratch.Mean.Flush(sum);
        }
    }

    /// <summary>Images times pixels that a team must take off the caller's thread per step
    /// (all but the largest share of chunks) for a grid barycenter to start one, unless asked.
    /// Convolutional, 190-300 iterations, best of six, two threads against one, two runs: 9
    /// images (chunks of 8 and 1: 784 on 28 x 28) 1.25-1.37x slower, on 8 x 8 1.30-1.71x, on
    /// 16 x 16 1.06-1.40x; 8 x 8, 32 images (1,024) 0.88-1.07x; 2,048 (8 x 8, 64 images;
    /// 16 x 16, 16 and 24) 0.68-1.22x; above, two threads gain (28 x 28, 16 images, 6,272:
    /// 0.77-0.81x; 16 x 16, 32: 0.64-0.80x).</summary>
    private const long SmallGridWork = 2048;

    /// <summary>b = exp(sum of the chunks' partial sums, in chunk order) on the pixels
    /// [start, start + bar.Length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumChunks(double[] partial, int chunks, int n, Span<double> bar, int start)
    {
        bar.Clear();
        for (int c = 0; c < chunks; c++) Elementwise.Map<Elementwise.Add>(bar, partial.AsSpan(c * n + start, bar.Length), bar);
        Elementwise.Map<Elementwise.Exp>(bar, bar);
    }

    /// <summary>Over-relaxes a scaling given its plain update: v = last^(1 - omega) v^omega =
    /// v (v / last)^(omega - 1), 0 where v is 0 (a pixel without mass), and last = v (Thibault,
    /// Chizat, Dossal, Papadakis 2021, geometric form). On the barycenter side it keeps
    /// sum_k lambda_k log x_k = 0, as the geometric mean needs: the plain update has
    /// sum_k lambda_k log (b / y_k) = 0. The power is exp((omega - 1) log r), polynomials where
    /// r is a positive normal double, Math.Pow elsewhere. omega = 1 only stores v.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RelaxScaling(Span<double> v, double omega, Span<double> last)
    {
        ThrowHelper.ThrowIfLengthMismatch(last.Length, v.Length, nameof(last), nameof(v));
        if (omega == 1)
        {
            v.CopyTo(last);
            return;
        }
        int i = 0, length = v.Length;
        double power = omega - 1;
        // A power of k / 8 (omega 1.5, 1.75, 1.875, ...) is a product of square roots, 2.4x
        // faster than exp(power log r) here; otherwise |power log r| < 745 keeps the exp in range.
        int eighths = power * 8 == Math.Round(power * 8) ? (int)(power * 8) : -1;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double vRef = ref MemoryMarshal.GetReference(v), lRef = ref MemoryMarshal.GetReference(last);
            Vector256<double> p = Vector256.Create(power), smallest = Vector256.Create(VectorMath.SmallestNormal), largest = Vector256.Create(double.MaxValue);
            for (; i <= length - 4; i += 4)
            {
                // A pixel without mass (plain and last 0) takes ratio 1: 0 times anything finite.
                Vector256<double> plain = Vector256.LoadUnsafe(ref vRef, (nuint)i);
                Vector256<double> ratio = Vector256.ConditionalSelect(Vector256.Equals(plain, Vector256<double>.Zero), Vector256<double>.One, plain / Vector256.LoadUnsafe(ref lRef, (nuint)i));
                Vector256<double> normal = Vector256.GreaterThanOrEqual(ratio, smallest) & Vector256.LessThanOrEqual(ratio, largest);
                if (normal.ExtractMostSignificantBits() != 0b1111)
                {
                    for (int j = i; j < i + 4; j++) last[j] = v[j] = Relaxed(v[j], last[j], power);
                    continue;
                }
                Vector256<double> relaxed = plain * (eighths >= 0 ? DyadicPower(ratio, eighths) : VectorMath.ExpInRange(p * VectorMath.LogOfNormal(ratio)));
                relaxed.StoreUnsafe(ref vRef, (nuint)i);
                relaxed.StoreUnsafe(ref lRef, (nuint)i);
            }
        }
        for (; i < length; i++) last[i] = v[i] = Relaxed(v[i], last[i], power);
    }

    /// <summary>r^(eighths / 8) for r positive normal, eighths in 1..7: r^(1/2), r^(1/4),
    /// r^(1/8) by square roots, multiplied as the bits of eighths say.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> DyadicPower(Vector256<double> r, int eighths)
    {
        Vector256<double> root = Vector256.Sqrt(r), power = (eighths & 4) != 0 ? root : Vector256<double>.One;
        if ((eighths & 3) == 0) return power;
        root = Vector256.Sqrt(root);
        if ((eighths & 2) != 0) power *= root;
        if ((eighths & 1) != 0) power *= Vector256.Sqrt(root);
        return power;
    }

    private static double Relaxed(double plain, double last, double power) => plain == 0 ? 0 : plain * Math.Pow(plain / last, power);

    /// <summary>One thread's buffers for a chunk of images.</summary>
    private sealed class Scratch(int n)
    {
        public readonly double[] X = new double[n];
        public readonly double[] OnBox = new double[n];     // K x, then a / K x, on the box
        public readonly double[] Blur = new double[n];
        public readonly GeometricMeanLogs Mean = new(n);
    }

    /// <summary>An image's support box (GridWindow) on a Height x Width grid; Offset places its
    /// values in an array of boxes end to end. Outside it the image is exactly zero, so
    /// products that read it skip those rows and columns (and the sums lose no term), and
    /// products that feed only a / K x there are computed there alone.</summary>
    private readonly record struct Box(GridWindow Window, int Height, int Width, int Offset)
    {
        private int Top => Window.Top;
        private int Left => Window.Left;
        private int Rows => Window.Height;
        private int Cols => Window.Width;

        public static Box Whole(int h, int w) => new(new GridWindow(0, 0, h, w), h, w, 0);

        // Both blurs take the cheaper of the two product orders: K_w's side first saves
        // Height Width (Rows - Cols) multiply-adds per blur when the box is taller than wide
        // (an MNIST digit's box averages 19.8 x 16.6, 10% of the blurs' work).
        private bool ColumnsFirst => Cols < Rows;

        /// <summary>(K_h X K_w) restricted to the box, as a dense Rows x Cols block in result;
        /// scratch holds Height x Width.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void BlurToBox(double[] kh, double[] kw, ReadOnlySpan<double> x, Span<double> result, Span<double> scratch)
        {
            if (ColumnsFirst)
            {
                Span<double> u = scratch[..(Height * Cols)];
                SmallMatrix.Multiply<double>(x, Width, kw.AsSpan(Left), Width, u, Height, Width, Cols);
                SmallMatrix.Multiply<double>(kh.AsSpan(Top * Height, Rows * Height), Height, u, Cols, result[..(Rows * Cols)], Rows, Height, Cols);
                return;
            }
            Span<double> s = scratch[..(Rows * Width)];
            SmallMatrix.Multiply<double>(kh.AsSpan(Top * Height, Rows * Height), Height, x, Width, s, Rows, Height, Width);
            SmallMatrix.Multiply<double>(s, Width, kw.AsSpan(Left), Width, result[..(Rows * Cols)], Rows, Width, Cols);
        }

        /// <summary>K_h X K_w over the whole grid for X zero outside the box, given as its
        /// Rows x Cols values (dense); scratch holds Height x Width.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void BlurFromBox(double[] kh, double[] kw, ReadOnlySpan<double> onBox, Span<double> result, Span<double> scratch)
        {
            if (ColumnsFirst)
            {
                Span<double> v = scratch[..(Height * Cols)];
                SmallMatrix.Multiply<double>(kh.AsSpan(Top), Height, onBox, Cols, v, Height, Rows, Cols);
                SmallMatrix.Multiply<double>(v, Cols, kw.AsSpan(Left * Width), Width, result, Height, Cols, Width);
                return;
            }
            Span<double> t = scratch[..(Rows * Width)];
            SmallMatrix.Multiply<double>(onBox, Cols, kw.AsSpan(Left * Width), Width, t, Rows, Cols, Width);
            SmallMatrix.Multiply<double>(kh.AsSpan(Top), Height, t, Width, result, Height, Rows, Width);
        }
    }
}
