// A rectangle of pixels of an image grid: the rows Top..Top+Height-1 and the columns
// Left..Left+Width-1. The solvers crop a measure on a grid to the window around its mass
// (MNIST digits fill about 20 x 20 of 28 x 28); a window's values are stored compact,
// row-major, Height x Width.
using System.Numerics;

namespace OtKernels.Geometry;

internal readonly record struct GridWindow(int Top, int Left, int Height, int Width)
{
    public int Count => Height * Width;

    /// <summary>The smallest window holding every positive weight of a gridHeight x gridWidth
    /// image (the whole grid when none is positive, which validation has refused before).</summary>
    public static GridWindow Around<T>(ReadOnlySpan<T> weights, int gridHeight, int gridWidth) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int top = gridHeight, bottom = -1, left = gridWidth, right = -1;
        for (int r = 0; r < gridHeight; r++)
        {
            ReadOnlySpan<T> row = weights.Slice(r * gridWidth, gridWidth);
            for (int c = 0; c < gridWidth; c++)
            {
                if (!(row[c] > T.Zero)) continue;
                (top, bottom) = (Math.Min(top, r), r);
                (left, right) = (Math.Min(left, c), Math.Max(right, c));
            }
        }
        return bottom < 0 ? new GridWindow(0, 0, gridHeight, gridWidth) : new GridWindow(top, left, bottom - top + 1, right - left + 1);
    }

    /// <summary>The window's values of a gridWidth-wide image, compact.</summary>
    public void Gather<T>(ReadOnlySpan<T> image, int gridWidth, Span<T> window)
    {
        for (int r = 0; r < Height; r++) image.Slice((Top + r) * gridWidth + Left, Width).CopyTo(window.Slice(r * Width, Width));
    }

    /// <summary>Writes the compact window values whose weight is positive into their pixels of
    /// a gridWidth-wide image.</summary>
    public void ScatterWhere<T>(ReadOnlySpan<T> window, ReadOnlySpan<T> weights, Span<T> image, int gridWidth) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < Count; i++)
            if (weights[i] > T.Zero) image[(Top + i / Width) * gridWidth + Left + i % Width] = window[i];
    }
}
