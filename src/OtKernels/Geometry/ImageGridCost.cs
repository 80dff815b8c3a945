// Squared Euclidean distance between the pixels of an h x w image grid, in pixel units:
// bin k sits at (row, column) = (k / w, k % w) times the spacing (1 by default). W2^2
// between two 28 x 28 MNIST digits is therefore in pixel^2, the convention of DESIGN.md.
// Nothing of size n x n is stored. Coarsen() pools 2 x 2 blocks into one pixel of twice
// the spacing (the multiscale pyramid of Merigot 2011 and Schmitzer 2016).
namespace OtKernels.Geometry;

/// <summary>C(k, l) = s^2 ((r_k - r_l)^2 + (c_k - c_l)^2) on an h x w grid with spacing s,
/// both measures on the same grid.</summary>
public sealed partial class ImageGridCost : GroundCost
{
    /// <summary>The squared Euclidean cost between the pixels of height x width images, spacing apart.</summary>
    public ImageGridCost(int height, int width, double spacing = 1) : base(checked(height * width), checked(height * width))
    {
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "The grid needs at least one row.");
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The grid needs at least one column.");
        if (!(spacing > 0 && double.IsFinite(spacing))) throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "The spacing must be positive and finite.");
        Height = height;
        Width = width;
        Spacing = spacing;
    }

    /// <summary>Rows of the image.</summary>
    public int Height { get; }
    /// <summary>Columns of the image.</summary>
    public int Width { get; }
    /// <summary>The distance between neighbouring pixels.</summary>
    public double Spacing { get; }

    /// <inheritdoc/>
    public override double this[int k, int l]
    {
        get
        {
            int dr = k / Width - l / Width;
            int dc = k % Width - l % Width;
            return Spacing * Spacing * (dr * dr + dc * dc);
        }
    }

    /// <inheritdoc/>
    public override GroundCost SourceSelfCost() => this;

    /// <inheritdoc/>
    public override GroundCost TargetSelfCost() => this;

    /// <summary>The squared diagonal of the grid, s^2 ((h-1)^2 + (w-1)^2).</summary>
    public override double MaxCost() => Spacing * Spacing * ((double)(Height - 1) * (Height - 1) + (double)(Width - 1) * (Width - 1));

    /// <summary>The grid of 2 x 2 blocks (ceil(h/2) x ceil(w/2), spacing 2s); null for a single pixel.</summary>
    public override Coarsening? Coarsen()
    {
        if (Height == 1 && Width == 1) return null;
        int h = (Height + 1) / 2, w = (Width + 1) / 2;
        var parent = new int[Rows];
        for (int k = 0; k < parent.Length; k++) parent[k] = k / Width / 2 * w + k % Width / 2;
        return new Coarsening(new ImageGridCost(h, w, 2 * Spacing), parent, parent);
    }

    /// <inheritdoc/>
    public override void FillSubmatrix(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<double> destination)
    {
        ThrowHelper.ThrowIfLengthMismatch(destination.Length, rows.Length * cols.Length, nameof(destination), "rows.Length * cols.Length");
        int w = Width;
        double s2 = Spacing * Spacing;
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
                row[c] = s2 * (dr * dr + dc * dc);
            }
        }
    }
}
