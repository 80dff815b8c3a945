// The soft-min of a stored matrix: rows of C read directly (no per-entry virtual call), in
// blocks of rows with one vectorised exp per block (RowLogSumExp). Over columns a row of the
// result reads a contiguous row of C; over rows it reads a column, with a stride.
using System.Numerics;
using System.Numerics.Tensors;

namespace OtKernels.Geometry;

public sealed partial class DenseCost
{
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result)
    {
        bool overColumns = axis == SoftMinAxis.OverColumns;
        int outer = overColumns ? Rows : Cols, inner = overColumns ? Cols : Rows;
        ThrowHelper.ThrowIfLengthMismatch(h.Length, inner, nameof(h), "the reduced axis");
        ThrowHelper.ThrowIfLengthMismatch(result.Length, outer, nameof(result), "the kept axis");
        ReadOnlySpan<double> c = _values.Span;
        double inverse = 1 / double.CreateTruncating(epsilon);
        int rowsPerBlock = RowsPerBlock(inner);
        Span<T> block = ScratchBuffer<T>.Get(0, rowsPerBlock * inner);
        for (int first = 0; first < outer; first += rowsPerBlock)
        {
            int count = Math.Min(rowsPerBlock, outer - first);
            for (int r = 0; r < count; r++)
            {
                int o = first + r;
                Span<T> row = block.Slice(r * inner, inner);
                if (overColumns)
                {
                    ReadOnlySpan<double> costRow = c.Slice(o * Cols, Cols);
                    for (int k = 0; k < inner; k++) row[k] = h[k] - T.CreateTruncating(costRow[k] * inverse);
                }
                else
                {
                    for (int k = 0; k < inner; k++) row[k] = h[k] - T.CreateTruncating(c[k * Cols + o] * inverse);
                }
            }
            Span<T> lse = result.Slice(first, count);
            RowLogSumExp(block, inner, lse);
            TensorPrimitives.Multiply(lse, -epsilon, lse);
        }
    }
}
