// What a ground cost is for the exact solvers: a function C(i, j) between the n bins of
// the first measure and the m bins of the second, evaluated on demand. Subclasses decide
// whether the values are stored (DenseCost) or computed from coordinates (PointCloudCost,
// ImageGridCost), so a solver never needs an n x m buffer it does not ask for.
using System.Runtime.CompilerServices;

namespace OtKernels.Geometry;

/// <summary>A ground cost C between n source bins and m target bins.</summary>
/// <remarks>Costs are finite reals; negative costs are allowed. Implementations are
/// immutable and safe to share between threads.</remarks>
public abstract partial class GroundCost
{
    /// <summary>A cost between rows sources and cols targets.</summary>
    protected GroundCost(int rows, int cols)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "A cost needs at least one row.");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), cols, "A cost needs at least one column.");
        Rows = rows;
        Cols = cols;
    }

    /// <summary>n, the number of source bins.</summary>
    public int Rows { get; }

    /// <summary>m, the number of target bins.</summary>
    public int Cols { get; }

    /// <summary>C(i, j).</summary>
    public abstract double this[int i, int j] { get; }

    /// <summary>max |C(i, j)|, the scale where epsilon-scaling starts. The default scans
    /// every entry; structured costs answer in O(1).</summary>
    public virtual double MaxCost()
    {
        double max = 0;
        for (int i = 0; i < Rows; i++) for (int j = 0; j < Cols; j++) max = Math.Max(max, Math.Abs(this[i, j]));
        return max;
    }

    /// <summary>max |C(i, j)| when this cost knows it without reading its entries (a grid's
    /// squared diagonal), else null; the exact solver then skips its overflow check.</summary>
    internal virtual double? KnownMaxCost => null;

    /// <summary>The cost between the source bins and themselves, C(x, x), for the
    /// self-terms of the Sinkhorn divergence; null if this cost cannot say (a dense matrix).</summary>
    public virtual GroundCost? SourceSelfCost() => null;

    /// <summary>The cost between the target bins and themselves, C(y, y); null if unknown.</summary>
    public virtual GroundCost? TargetSelfCost() => null;

    /// <summary>A coarser cost for multiscale warm starts, or null if this cost has none
    /// (the default). Only a heuristic: it changes speed, never the optimum.</summary>
    public virtual Coarsening? Coarsen() => null;

    /// <summary>Reads C(i, cols) one row at a time (the exact solver's sparse path).</summary>
    internal virtual CostRows RowsOver(int[] cols) => new(this, cols);

    /// <summary>The whole matrix C, row-major Rows x Cols (a structure matrix of
    /// Gromov–Wasserstein from a cloud against itself, a dense copy for a device).</summary>
    public double[] ToArray()
    {
        var values = new double[checked(Rows * Cols)];
        for (int i = 0; i < Rows; i++)
            for (int j = 0; j < Cols; j++) values[i * Cols + j] = this[i, j];
        return values;
    }

    /// <summary>Writes the submatrix C[rows, cols] row-major into <paramref name="destination"/>
    /// (length rows.Length * cols.Length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per problem of a batch: never tier-0 code
    public virtual void FillSubmatrix(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<double> destination)
    {
        ThrowHelper.ThrowIfLengthMismatch(destination.Length, rows.Length * cols.Length, nameof(destination), "rows.Length * cols.Length");
        for (int r = 0; r < rows.Length; r++)
        {
            Span<double> row = destination.Slice(r * cols.Length, cols.Length);
            int i = rows[r];
            for (int c = 0; c < cols.Length; c++) row[c] = this[i, cols[c]];
        }
    }
}
