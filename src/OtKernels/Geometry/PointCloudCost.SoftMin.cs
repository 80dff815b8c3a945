// The soft-min between point clouds with the distances computed inline from the coordinates,
// in blocks of rows (GroundCost.BlockedSoftMin; no n x m buffer, no per-entry virtual call): the lazy geometry of
// GeomLoss's "online" backend, on the CPU. Other metrics use the base row-wise path.
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OtKernels.Geometry;

public sealed partial class PointCloudCost
{
    /// <inheritdoc/>
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result, SoftMinWorkspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (Metric != GroundMetric.SqEuclidean)
        {
            base.SoftMin(axis, epsilon, h, result, workspace);
            return;
        }
        (bool overColumns, int outer, int inner) = SoftMinShape(axis, h.Length, result.Length);
        // Rows of the soft-min are the points of `kept`, reduced over the points of `reduced`.
        var rows = new CloudRows<T>(overColumns ? _x.Span : _y.Span, overColumns ? _y.Span : _x.Span,
            Dimension == 2 ? (overColumns ? YSoa() : XSoa()) : default, Dimension, h, 1 / double.CreateTruncating(epsilon));
        BlockedSoftMin(rows, outer, inner, epsilon, result, workspace);
    }

    private readonly ref struct CloudRows<T>(ReadOnlySpan<double> kept, ReadOnlySpan<double> reduced, ReadOnlySpan<double> reducedSoa,
        int d, ReadOnlySpan<T> h, double inverse) : ISoftMinRows<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<double> _kept = kept, _reduced = reduced, _reducedSoa = reducedSoa;
        private readonly ReadOnlySpan<T> _h = h;

        public void Fill(int o, Span<T> row)
        {
            int p = o * d;
            if (d == 2 && typeof(T) == typeof(double))
            {
                // The common case (2-D clouds, double): x and y coordinates as separate arrays,
                // four entries per step.
                int inner = row.Length;
                FillRow2D(_kept[p], _kept[p + 1], _reducedSoa[..inner], _reducedSoa[inner..], inverse,
                    MemoryMarshal.Cast<T, double>(_h), MemoryMarshal.Cast<T, double>(row));
                return;
            }
            for (int k = 0, q = 0; k < row.Length; k++, q += d)
            {
                double c = 0;
                for (int t = 0; t < d; t++)
                {
                    double delta = _kept[p + t] - _reduced[q + t];
                    c += delta * delta;
                }
                row[k] = _h[k] - T.CreateTruncating(c * inverse);
            }
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
