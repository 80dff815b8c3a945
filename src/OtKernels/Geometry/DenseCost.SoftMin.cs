// The soft-min of a stored matrix: rows of C read directly (no per-entry virtual call), in
// blocks of rows with one vectorised exp per block (GroundCost.BlockedSoftMin). Over columns
// a row of the result reads a contiguous row of C; over rows it reads a column, with a stride.
using System.Numerics;

namespace OtKernels.Geometry;

public sealed partial class DenseCost
{
    /// <inheritdoc/>
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result, SoftMinWorkspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        (bool overColumns, int outer, int inner) = SoftMinShape(axis, h.Length, result.Length);
        var rows = new DenseRows<T>(_values.Span, Cols, overColumns, h, 1 / double.CreateTruncating(epsilon));
        BlockedSoftMin(rows, outer, inner, epsilon, result, workspace);
    }

    private readonly ref struct DenseRows<T>(ReadOnlySpan<double> c, int cols, bool overColumns, ReadOnlySpan<T> h, double inverse)
        : ISoftMinRows<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<double> _c = c;
        private readonly ReadOnlySpan<T> _h = h;

        public void Fill(int o, Span<T> row)
        {
            if (overColumns)
            {
                ReadOnlySpan<double> costRow = _c.Slice(o * cols, cols);
                for (int k = 0; k < row.Length; k++) row[k] = _h[k] - T.CreateTruncating(costRow[k] * inverse);
            }
            else
            {
                for (int k = 0; k < row.Length; k++) row[k] = _h[k] - T.CreateTruncating(_c[k * cols + o] * inverse);
            }
        }
    }
}
