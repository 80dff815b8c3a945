// The soft-min between point clouds with the distances computed inline, row by row, from
// the coordinates (no n x m buffer, no per-entry virtual call): the lazy geometry of
// GeomLoss's "online" backend, on the CPU. Other metrics use the base row-wise path.
using System.Numerics;
using System.Numerics.Tensors;

namespace OtKernels.Geometry;

public sealed partial class PointCloudCost
{
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result)
    {
        if (Metric != GroundMetric.SqEuclidean)
        {
            base.SoftMin(axis, epsilon, h, result);
            return;
        }
        bool overColumns = axis == SoftMinAxis.OverColumns;
        // Rows of the soft-min are the points of `kept`, reduced over the points of `reduced`.
        ReadOnlySpan<double> kept = overColumns ? _x.Span : _y.Span, reduced = overColumns ? _y.Span : _x.Span;
        int outer = overColumns ? Rows : Cols, inner = overColumns ? Cols : Rows, d = Dimension;
        ThrowHelper.ThrowIfLengthMismatch(h.Length, inner, nameof(h), "the reduced axis");
        ThrowHelper.ThrowIfLengthMismatch(result.Length, outer, nameof(result), "the kept axis");
        double inverse = 1 / double.CreateTruncating(epsilon);
        int rowsPerBlock = RowsPerBlock(inner);
        Span<T> block = ScratchBuffer<T>.Get(0, rowsPerBlock * inner);
        for (int first = 0; first < outer; first += rowsPerBlock)
        {
            int count = Math.Min(rowsPerBlock, outer - first);
            for (int r = 0; r < count; r++)
            {
                Span<T> row = block.Slice(r * inner, inner);
                int o = (first + r) * d;
                if (d == 2)
                {
                    // The common case (2-D clouds), without per-entry slicing.
                    double px = kept[o], py = kept[o + 1];
                    for (int k = 0; k < inner; k++)
                    {
                        double dx = px - reduced[2 * k], dy = py - reduced[2 * k + 1];
                        row[k] = h[k] - T.CreateTruncating((dx * dx + dy * dy) * inverse);
                    }
                }
                else
                {
                    ReadOnlySpan<double> p = kept.Slice(o, d);
                    for (int k = 0; k < inner; k++) row[k] = h[k] - T.CreateTruncating(SquaredDistance(p, reduced.Slice(k * d, d)) * inverse);
                }
            }
            Span<T> lse = result.Slice(first, count);
            RowLogSumExp(block, inner, lse);
            TensorPrimitives.Multiply(lse, -epsilon, lse);
        }
    }
}
