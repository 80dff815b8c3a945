// One row at a time of a ground cost restricted to chosen target bins, C(i, cols): what the
// exact solver's sparse path reads to price every arc of a source without holding the n x m
// matrix. Structured costs precompute what the columns share (ImageGridCost: their grid
// coordinates), so that a row costs a few vector operations per column.
namespace OtKernels.Geometry;

internal class CostRows(GroundCost cost, int[] cols)
{
    /// <summary>max |C| when the cost knows it without reading (<see cref="GroundCost.KnownMaxCost"/>).</summary>
    public double? KnownMaxCost => cost.KnownMaxCost;

    /// <summary>The target bins, in the order Fill writes them.</summary>
    public int[] Cols => cols;

    /// <summary>costs[k] = C(row, Cols[k]).</summary>
    public virtual void Fill(int row, Span<double> costs) => cost.FillSubmatrix([row], cols, costs);

    /// <summary>costs[k] = C(row, Cols[columns[k]]): a few columns of a row.</summary>
    public virtual void Fill(int row, ReadOnlySpan<int> columns, Span<double> costs)
    {
        for (int k = 0; k < columns.Length; k++) costs[k] = cost[row, cols[columns[k]]];
    }

    /// <summary>The c-transform minima[r] = min_k C(rows[r], Cols[k]) - potential[k] for every r,
    /// when this cost has a faster way than reading every row (a grid: a separable distance
    /// transform, O(grid) instead of O(rows cols)); false when it has none.</summary>
    public virtual bool TryRowMinima(ReadOnlySpan<double> potential, int[] rows, Span<double> minima) => false;
}
