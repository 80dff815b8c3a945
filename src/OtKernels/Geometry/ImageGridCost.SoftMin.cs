// The soft-min on an image grid in two 1D passes. The squared Euclidean cost splits into
// a row part and a column part, exp(-C/eps) = exp(-dr^2 s^2/eps) exp(-dc^2 s^2/eps), so
//     LSE_(rj,cj) [h(rj,cj) - C/eps] = LSE_rj [ LSE_cj [h(rj,cj) - dc^2 s^2/eps] - dr^2 s^2/eps ],
// O(n (h + w)) instead of O(n^2) (Solomon et al. 2015, "Convolutional Wasserstein
// distances", in the log domain as GeomLoss's grid kernels). Each inner LSE is max-shifted.
// The cost is symmetric, so both axes are the same operation.
using System.Numerics;
using System.Numerics.Tensors;

namespace OtKernels.Geometry;

public sealed partial class ImageGridCost
{
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result)
    {
        SoftMinShape(axis, h.Length, result.Length); // both axes have the grid's pixel count
        int height = Height, width = Width;
        T scale = T.CreateTruncating(Spacing * Spacing) / epsilon;
        // mirrored[L - 1 + k] = (k s)^2 / eps for k in -(L-1)..(L-1): for a fixed output index o,
        // the penalties to inputs 0..len-1 are the contiguous slice mirrored[L-1-o .. L-1-o+len),
        // so each row of a block is one vectorised subtraction.
        int longest = Math.Max(height, width);
        Span<T> mirrored = ScratchBuffer<T>.Get(0, 2 * longest - 1);
        for (int k = 0; k < mirrored.Length; k++)
        {
            int d = k - (longest - 1);
            mirrored[k] = T.CreateTruncating(d * d) * scale;
        }
        Span<T> block = ScratchBuffer<T>.Get(1, longest * longest);
        Span<T> partial = ScratchBuffer<T>.Get(2, height * width);
        Span<T> lse = ScratchBuffer<T>.Get(3, longest);

        // Pass 1, along each grid row rj: partial[ci, rj] = LSE_cj (h[rj, cj] - penalty(ci - cj)),
        // one w x w block per grid row, stored transposed so that pass 2 reads contiguous memory.
        for (int rj = 0; rj < height; rj++)
        {
            ReadOnlySpan<T> hRow = h.Slice(rj * width, width);
            if (T.IsNegativeInfinity(TensorPrimitives.Max(hRow)))
            {
                // A row with no mass (a blank image row): its whole block is -inf.
                for (int ci = 0; ci < width; ci++) partial[ci * height + rj] = T.NegativeInfinity;
                continue;
            }
            for (int ci = 0; ci < width; ci++)
                TensorPrimitives.Subtract(hRow, mirrored.Slice(longest - 1 - ci, width), block.Slice(ci * width, width));
            RowLogSumExp(block, width, lse[..width]);
            for (int ci = 0; ci < width; ci++) partial[ci * height + rj] = lse[ci];
        }
        // Pass 2, along each grid column ci: one h x h block per grid column.
        for (int ci = 0; ci < width; ci++)
        {
            ReadOnlySpan<T> column = partial.Slice(ci * height, height);
            for (int ri = 0; ri < height; ri++)
                TensorPrimitives.Subtract(column, mirrored.Slice(longest - 1 - ri, height), block.Slice(ri * height, height));
            RowLogSumExp(block, height, lse[..height]);
            for (int ri = 0; ri < height; ri++) result[ri * width + ci] = -epsilon * lse[ri];
        }
    }
}
