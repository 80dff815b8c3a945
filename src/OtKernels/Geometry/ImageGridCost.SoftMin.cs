// The soft-min on an image grid in two 1D passes. The squared Euclidean cost splits into
// a row part and a column part, exp(-C/eps) = exp(-dr^2 s^2/eps) exp(-dc^2 s^2/eps), so
//     LSE_(rj,cj) [h(rj,cj) - C/eps] = LSE_rj [ LSE_cj [h(rj,cj) - dc^2 s^2/eps] - dr^2 s^2/eps ],
// O(n (h + w)) instead of O(n^2) (Solomon et al. 2015, "Convolutional Wasserstein
// distances", in the log domain as GeomLoss's grid kernels). Each inner LSE is max-shifted.
// The cost is symmetric, so both axes are the same operation.
using System.Numerics;

namespace OtKernels.Geometry;

public sealed partial class ImageGridCost
{
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result)
    {
        ThrowHelper.ThrowIfLengthMismatch(h.Length, Rows, nameof(h), "the grid's pixel count");
        ThrowHelper.ThrowIfLengthMismatch(result.Length, Rows, nameof(result), "the grid's pixel count");
        int height = Height, width = Width;
        T scale = T.CreateTruncating(Spacing * Spacing) / epsilon;
        // penalty[d] = (d s)^2 / eps for offsets d along either axis.
        int longest = Math.Max(height, width);
        Span<T> penalty = ScratchBuffer<T>.Get(0, longest);
        for (int d = 0; d < longest; d++) penalty[d] = T.CreateTruncating(d * d) * scale;

        // Pass 1, along each grid row rj: partial[ci, rj] = LSE_cj (h[rj, cj] - penalty|ci - cj|),
        // one w x w block per grid row, stored transposed so that pass 2 reads contiguous memory.
        Span<T> block = ScratchBuffer<T>.Get(1, longest * longest);
        Span<T> partial = ScratchBuffer<T>.Get(2, height * width);
        Span<T> lse = ScratchBuffer<T>.Get(3, longest);
        for (int rj = 0; rj < height; rj++)
        {
            ReadOnlySpan<T> hRow = h.Slice(rj * width, width);
            for (int ci = 0; ci < width; ci++)
                for (int cj = 0; cj < width; cj++) block[ci * width + cj] = hRow[cj] - penalty[Math.Abs(ci - cj)];
            RowLogSumExp(block, width, lse[..width]);
            for (int ci = 0; ci < width; ci++) partial[ci * height + rj] = lse[ci];
        }
        // Pass 2, along each grid column ci: one h x h block per grid column.
        for (int ci = 0; ci < width; ci++)
        {
            ReadOnlySpan<T> column = partial.Slice(ci * height, height);
            for (int ri = 0; ri < height; ri++)
                for (int rj = 0; rj < height; rj++) block[ri * height + rj] = column[rj] - penalty[Math.Abs(ri - rj)];
            RowLogSumExp(block, height, lse[..height]);
            for (int ri = 0; ri < height; ri++) result[ri * width + ci] = -epsilon * lse[ri];
        }
    }
}
