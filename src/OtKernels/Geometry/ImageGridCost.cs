// Squared Euclidean distance between the pixels of an h x w image grid, in pixel units:
// bin k sits at (row, column) = (k / w, k % w) times the spacing (1 by default). W2^2
// between two 28 x 28 MNIST digits is therefore in pixel^2, the convention of DESIGN.md.
// Nothing of size n x n is stored. Coarsen() pools 2 x 2 blocks into one pixel of twice
// the spacing (the multiscale pyramid of Merigot 2011 and Schmitzer 2016).
using System.Runtime.Intrinsics;

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

    internal override double? KnownMaxCost => MaxCost();

    /// <summary>The grid of 2 x 2 blocks (ceil(h/2) x ceil(w/2), spacing 2s); null for a single pixel.
    /// Made once and shared by every call (read it, do not modify its arrays): the exact
    /// solver asks for it on every problem, and a fresh copy per MNIST pair was a third of
    /// its allocations, the gen-0 collections that held two threads back.</summary>
    public override Coarsening? Coarsen()
    {
        if (Height == 1 && Width == 1) return null;
        if (_coarsening is null) Interlocked.CompareExchange(ref _coarsening, MakeCoarsening(), null);
        return _coarsening;
    }

    private Coarsening? _coarsening;

    private Coarsening MakeCoarsening()
    {
        int h = (Height + 1) / 2, w = (Width + 1) / 2;
        var parent = new int[Rows];
        for (int k = 0; k < parent.Length; k++) parent[k] = k / Width / 2 * w + k % Width / 2;
        return new Coarsening(new ImageGridCost(h, w, 2 * Spacing), parent, parent);
    }

    /// <inheritdoc/>
    public override void FillSubmatrix(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<double> destination)
    {
        ThrowHelper.ThrowIfLengthMismatch(destination.Length, rows.Length * cols.Length, nameof(destination), "rows.Length * cols.Length");
        var reader = new GridRows(this, cols.ToArray());
        for (int r = 0; r < rows.Length; r++) reader.Fill(rows[r], destination.Slice(r * cols.Length, cols.Length));
    }

    /// <inheritdoc/>
    internal override CostRows RowsOver(int[] cols) => new GridRows(this, cols);

    /// <summary>A row is s^2 ((r_i - r_k)^2 + (c_i - c_k)^2) over the columns' coordinates, held in double.</summary>
    private sealed class GridRows : CostRows
    {
        private readonly double[] _r, _c;
        private readonly int _width, _height;
        private readonly double _s2;
        private double[] _grid = [], _line = [], _envelopeBreaks = [];
        private int[] _envelopeSites = [];

        public GridRows(ImageGridCost grid, int[] cols) : base(grid, cols)
        {
            _width = grid.Width;
            _height = grid.Height;
            _s2 = grid.Spacing * grid.Spacing;
            _r = new double[cols.Length];
            _c = new double[cols.Length];
            for (int k = 0; k < cols.Length; k++) (_r[k], _c[k]) = (cols[k] / _width, cols[k] % _width);
        }

        public override void Fill(int row, Span<double> costs)
        {
            ThrowHelper.ThrowIfLengthMismatch(costs.Length, _r.Length, nameof(costs), "the columns");
            double ri = row / _width, ci = row % _width;
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<double> vr = Vector256.Create(ri), vc = Vector256.Create(ci), s2 = Vector256.Create(_s2);
                for (; k <= costs.Length - Vector256<double>.Count; k += Vector256<double>.Count)
                {
                    Vector256<double> dr = vr - Vector256.Create<double>(_r.AsSpan(k)), dc = vc - Vector256.Create<double>(_c.AsSpan(k));
                    (s2 * (dr * dr + dc * dc)).CopyTo(costs[k..]);
                }
            }
            for (; k < costs.Length; k++)
            {
                double dr = ri - _r[k], dc = ci - _c[k];
                costs[k] = _s2 * (dr * dr + dc * dc);
            }
        }

        public override void Fill(int row, ReadOnlySpan<int> columns, Span<double> costs)
        {
            double ri = row / _width, ci = row % _width;
            for (int k = 0; k < columns.Length; k++)
            {
                double dr = ri - _r[columns[k]], dc = ci - _c[columns[k]];
                costs[k] = _s2 * (dr * dr + dc * dc);
            }
        }

        /// <summary>min over the target pixels of s^2 |x - y|^2 - potential(y) at every pixel
        /// x, separably: along each grid row, then along each grid column (Felzenszwalb and
        /// Huttenlocher 2012, "Distance transforms of sampled functions"); pixels that are
        /// not targets are +infinity.</summary>
        public override bool TryRowMinima(ReadOnlySpan<double> potential, int[] rows, Span<double> minima)
        {
            int h = _height, w = _width, length = Math.Max(h, w);
            if (_grid.Length < h * w) _grid = new double[h * w];
            if (_line.Length < 2 * length) (_line, _envelopeSites, _envelopeBreaks) = (new double[2 * length], new int[length], new double[length + 1]);
            Span<double> grid = _grid.AsSpan(0, h * w);
            Span<double> line = _line.AsSpan(0, length), transformed = _line.AsSpan(length, length);
            grid.Fill(double.PositiveInfinity);
            for (int k = 0; k < Cols.Length; k++) grid[Cols[k]] = -potential[k];
            for (int r = 0; r < h; r++)
            {
                Span<double> row = grid.Slice(r * w, w);
                row.CopyTo(line);
                LowerEnvelope(line[..w], row);
            }
            for (int c = 0; c < w; c++)
            {
                for (int r = 0; r < h; r++) line[r] = grid[r * w + c];
                LowerEnvelope(line[..h], transformed[..h]);
                for (int r = 0; r < h; r++) grid[r * w + c] = transformed[r];
            }
            for (int r = 0; r < rows.Length; r++) minima[r] = grid[rows[r]];
            return true;
        }

        /// <summary>d[x] = min_q s^2 (x - q)^2 + f[q] over the q with f[q] finite (+infinity
        /// where there is none), in O(length): the lower envelope of the parabolas (site[k]
        /// lowest from from[k] to from[k + 1]), then one sweep.</summary>
        private void LowerEnvelope(ReadOnlySpan<double> f, Span<double> d)
        {
            int[] site = _envelopeSites;
            double[] from = _envelopeBreaks;
            double a = _s2;
            int k = -1;
            for (int q = 0; q < f.Length; q++)
            {
                if (double.IsPositiveInfinity(f[q])) continue;
                if (k < 0)
                {
                    (k, site[0], from[0]) = (0, q, double.NegativeInfinity);
                    continue;
                }
                // Where q's parabola crosses the last one's; those it hides are dropped
                // (from[0] is -infinity, so the first always stays).
                double x = Crossing(f, q, site[k], a);
                while (x <= from[k])
                {
                    k--;
                    x = Crossing(f, q, site[k], a);
                }
                k++;
                (site[k], from[k]) = (q, x);
            }
            if (k < 0)
            {
                d.Fill(double.PositiveInfinity);
                return;
            }
            from[k + 1] = double.PositiveInfinity;
            for (int x = 0, j = 0; x < d.Length; x++)
            {
                while (from[j + 1] < x) j++;
                double dx = x - site[j];
                d[x] = a * dx * dx + f[site[j]];
            }
        }

        private static double Crossing(ReadOnlySpan<double> f, int q, int p, double a) =>
            (f[q] + a * q * q - (f[p] + a * p * p)) / (2 * a * (q - p));
    }
}
