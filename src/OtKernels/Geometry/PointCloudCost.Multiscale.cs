// What the exact solver's multiscale sparse path needs from point clouds. Coarsen() pools
// the points of both clouds by one regular grid over their joint bounding box, about four
// to six points per occupied cell, each cell becoming the mean of its points (the hierarchical clustering of
// Schmitzer 2016, section 4, in its simplest form); the coarse cost is the same metric
// between the means. It is only a start for the fine solve, so its quality changes speed,
// never the optimum. RowsOver() reads a row of costs against the target points held
// coordinate by coordinate, four targets at a time.
using System.Runtime.Intrinsics;

namespace OtKernels.Geometry;

public sealed partial class PointCloudCost
{
    /// <summary>A coarsening must shrink the larger cloud at least this much to be worth a level.</summary>
    private const double MinShrink = 0.75;

    /// <inheritdoc/>
    public override Coarsening? Coarsen()
    {
        int d = Dimension;
        ReadOnlySpan<double> x = _x.Span, y = _y.Span;
        var low = new double[d];
        var high = new double[d];
        Array.Fill(low, double.PositiveInfinity);
        Array.Fill(high, double.NegativeInfinity);
        Widen(x, low, high);
        Widen(y, low, high);
        // About four points of the larger cloud per cell if they were spread evenly; clustered
        // clouds leave most cells empty, so the grid is refined until the occupied cells hold
        // at most six points on average (or it is four times finer).
        int larger = Math.Max(Rows, Cols);
        int first = Math.Max(1, (int)Math.Round(Math.Pow(larger / 4.0, 1.0 / d)));
        int cellsPerAxis = first;
        (int[] rowParent, double[] coarseX) = Pool(x, d, low, high, cellsPerAxis);
        (int[] colParent, double[] coarseY) = Pool(y, d, low, high, cellsPerAxis);
        while (Math.Max(coarseX.Length, coarseY.Length) / d * 6 < larger && cellsPerAxis < 4 * first
               && Math.Pow(cellsPerAxis + 1, d) < long.MaxValue / 2)
        {
            cellsPerAxis = Math.Max(cellsPerAxis + 1, (int)(cellsPerAxis * Math.Pow(2, 1.0 / d)));
            (rowParent, coarseX) = Pool(x, d, low, high, cellsPerAxis);
            (colParent, coarseY) = Pool(y, d, low, high, cellsPerAxis);
        }
        if (Math.Max(coarseX.Length, coarseY.Length) / d > MinShrink * Math.Max(Rows, Cols)) return null;
        return new Coarsening(new PointCloudCost(coarseX, coarseY, d, Metric, P), rowParent, colParent);
    }

    /// <summary>Widens [low, high] per axis to hold the points.</summary>
    private static void Widen(ReadOnlySpan<double> points, double[] low, double[] high)
    {
        int d = low.Length;
        for (int p = 0; p < points.Length; p++)
        {
            low[p % d] = Math.Min(low[p % d], points[p]);
            high[p % d] = Math.Max(high[p % d], points[p]);
        }
    }

    /// <summary>Each point's cell (numbered by first appearance) and the mean of every cell's points.</summary>
    private static (int[] Parent, double[] Means) Pool(ReadOnlySpan<double> points, int d, double[] low, double[] high, int cellsPerAxis)
    {
        int count = points.Length / d;
        var parent = new int[count];
        var cellOf = new Dictionary<long, int>();
        var sums = new List<double>();
        var sizes = new List<int>();
        for (int p = 0; p < count; p++)
        {
            long key = 0;
            for (int k = 0; k < d; k++)
            {
                double range = high[k] - low[k];
                long cell = range > 0 ? Math.Min(cellsPerAxis - 1, (long)((points[p * d + k] - low[k]) / range * cellsPerAxis)) : 0;
                key = key * cellsPerAxis + cell;
            }
            if (!cellOf.TryGetValue(key, out int c))
            {
                cellOf[key] = c = sizes.Count;
                sizes.Add(0);
                for (int k = 0; k < d; k++) sums.Add(0);
            }
            parent[p] = c;
            sizes[c]++;
            for (int k = 0; k < d; k++) sums[c * d + k] += points[p * d + k];
        }
        var means = new double[sums.Count];
        for (int c = 0; c < sizes.Count; c++) for (int k = 0; k < d; k++) means[c * d + k] = sums[c * d + k] / sizes[c];
        return (parent, means);
    }

    /// <inheritdoc/>
    internal override CostRows RowsOver(int[] cols) => Metric == GroundMetric.Minkowski ? base.RowsOver(cols) : new CloudRows(this, cols);

    /// <summary>Rows of the (squared) Euclidean cost with the targets' coordinates stored axis
    /// by axis, summed in the indexer's order so that every value is the indexer's, bit for bit.</summary>
    private sealed class CloudRows : CostRows
    {
        private readonly PointCloudCost _cloud;
        private readonly double[] _targets; // [d, cols]

        public CloudRows(PointCloudCost cloud, int[] cols) : base(cloud, cols)
        {
            _cloud = cloud;
            int d = cloud.Dimension;
            ReadOnlySpan<double> y = cloud._y.Span;
            _targets = new double[d * cols.Length];
            for (int c = 0; c < cols.Length; c++)
                for (int k = 0; k < d; k++) _targets[k * cols.Length + c] = y[cols[c] * d + k];
        }

        public override void Fill(int row, Span<double> costs)
        {
            int d = _cloud.Dimension, m = Cols.Length;
            ThrowHelper.ThrowIfLengthMismatch(costs.Length, m, nameof(costs), "the columns");
            ReadOnlySpan<double> x = _cloud._x.Span.Slice(row * d, d);
            costs.Clear();
            for (int k = 0; k < d; k++)
            {
                ReadOnlySpan<double> axis = _targets.AsSpan(k * m, m);
                double xk = x[k];
                int c = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var vx = Vector256.Create(xk);
                    for (; c <= m - Vector256<double>.Count; c += Vector256<double>.Count)
                    {
                        Vector256<double> diff = vx - Vector256.Create<double>(axis[c..]);
                        (Vector256.Create<double>(costs[c..]) + diff * diff).CopyTo(costs[c..]);
                    }
                }
                for (; c < m; c++)
                {
                    double diff = xk - axis[c];
                    costs[c] += diff * diff;
                }
            }
            if (_cloud.Metric == GroundMetric.Euclidean)
                for (int c = 0; c < m; c++) costs[c] = Math.Sqrt(costs[c]);
        }
    }
}
