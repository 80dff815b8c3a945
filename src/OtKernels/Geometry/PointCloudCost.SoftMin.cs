// The soft-min between point clouds with the distances computed inline, row by row, from
// the coordinates (no n x m buffer, no per-entry virtual call): the lazy geometry of
// GeomLoss's "online" backend, on the CPU. Other metrics use the base row-wise path.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

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
                if (d == 2 && typeof(T) == typeof(double))
                {
                    // The common case (2-D clouds, double): coordinates as separate x and y
                    // arrays, four entries per step.
                    ReadOnlySpan<double> soa = overColumns ? YSoa() : XSoa();
                    FillRow2D(kept[o], kept[o + 1], soa[..inner], soa[inner..], inverse,
                        System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(h),
                        System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(row));
                }
                else if (d == 2)
                {
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

    private double[]? _xSoa, _ySoa;

    // x and y as [all first coordinates, all second coordinates], made once on first use.
    private ReadOnlySpan<double> XSoa() => _xSoa ??= Deinterleave(_x.Span, Rows);
    private ReadOnlySpan<double> YSoa() => _ySoa ??= Deinterleave(_y.Span, Cols);

    private static double[] Deinterleave(ReadOnlySpan<double> points, int count)
    {
        var soa = new double[2 * count];
        for (int k = 0; k < count; k++)
        {
            soa[k] = points[2 * k];
            soa[count + k] = points[2 * k + 1];
        }
        return soa;
    }

    /// <summary>row_k = h_k - ((px - qx_k)^2 + (py - qy_k)^2) / eps.</summary>
    private static void FillRow2D(double px, double py, ReadOnlySpan<double> qx, ReadOnlySpan<double> qy, double inverse,
        ReadOnlySpan<double> h, Span<double> row)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vx = Vector256.Create(px);
            var vy = Vector256.Create(py);
            var vi = Vector256.Create(inverse);
            for (; k <= row.Length - 4; k += 4)
            {
                var dx = vx - Vector256.Create(qx.Slice(k, 4));
                var dy = vy - Vector256.Create(qy.Slice(k, 4));
                (Vector256.Create(h.Slice(k, 4)) - (dx * dx + dy * dy) * vi).CopyTo(row.Slice(k, 4));
            }
        }
        for (; k < row.Length; k++)
        {
            double dx = px - qx[k], dy = py - qy[k];
            row[k] = h[k] - (dx * dx + dy * dy) * inverse;
        }
    }
}
