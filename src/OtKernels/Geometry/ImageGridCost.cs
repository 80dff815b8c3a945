// Squared Euclidean distance between the pixels of an h x w image grid, in pixel units:
// bin k sits at (row, column) = (k / w, k % w). W2^2 between two 28 x 28 MNIST digits is
// therefore in pixel^2, the convention of DESIGN.md. Nothing of size n x n is stored.
namespace OtKernels.Geometry;

/// <summary>C(k, l) = (r_k - r_l)^2 + (c_k - c_l)^2 on an h x w grid, both measures on the same grid.</summary>
public sealed class ImageGridCost : GroundCost
{
    public ImageGridCost(int height, int width) : base(checked(height * width), checked(height * width))
    {
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "The grid needs at least one row.");
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The grid needs at least one column.");
        Height = height;
        Width = width;
    }

    public int Height { get; }
    public int Width { get; }

    public override double this[int k, int l]
    {
        get
        {
            int dr = k / Width - l / Width;
            int dc = k % Width - l % Width;
            return dr * dr + dc * dc;
        }
    }

    public override void FillSubmatrix(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<double> destination)
    {
        ThrowHelper.ThrowIfLengthMismatch(destination.Length, rows.Length * cols.Length, nameof(destination), "rows.Length * cols.Length");
        int w = Width;
        Span<int> colR = cols.Length <= 1024 ? stackalloc int[cols.Length] : new int[cols.Length];
        Span<int> colC = cols.Length <= 1024 ? stackalloc int[cols.Length] : new int[cols.Length];
        for (int c = 0; c < cols.Length; c++)
        {
            colR[c] = cols[c] / w;
            colC[c] = cols[c] % w;
        }
        for (int r = 0; r < rows.Length; r++)
        {
            int ri = rows[r] / w, ci = rows[r] % w;
            Span<double> row = destination.Slice(r * cols.Length, cols.Length);
            for (int c = 0; c < cols.Length; c++)
            {
                int dr = ri - colR[c], dc = ci - colC[c];
                row[c] = dr * dr + dc * dc;
            }
        }
    }
}
