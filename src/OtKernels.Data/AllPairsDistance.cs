// The distance of an all-pairs job (otk distances) between embedded items: each item is Points x Dimension
// numbers, read as one vector (Euclidean) or as a point cloud of Points equally weighted
// points in R^Dimension (W2, Sinkhorn). One function computes a tile of the matrix wherever
// it runs, on the local cores or on a cluster's silo, so the values, and the files written
// from them, are the same bit for bit; none depends on the thread count.
//  - euclidean: |e_i - e_j|, the Euclidean PointCloudCost between the items as points.
//  - w2: exact W2^2 = min_P <P, C> with C(k, l) = |x_k - y_l|^2, by the network simplex.
//  - sinkhorn: the Sinkhorn divergence S_eps(a, b) = OT_eps(a, b) - OT_eps(a, a)/2 -
//    OT_eps(b, b)/2 (Feydy et al. 2019) on the squared Euclidean cost.
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Data;

/// <summary>Which distance between embedded items.</summary>
public enum AllPairsMetric
{
    /// <summary>The Euclidean distance between the items as flat vectors.</summary>
    Euclidean,
    /// <summary>Exact W2^2 between the items as uniform point clouds.</summary>
    W2,
    /// <summary>The Sinkhorn divergence between the items as uniform point clouds (squared Euclidean cost).</summary>
    Sinkhorn,
}

/// <summary>A distance between items of Points x Dimension numbers (a flat vector is Points = 1).</summary>
/// <param name="Metric">The distance.</param>
/// <param name="Points">Points per item.</param>
/// <param name="Dimension">Coordinates per point.</param>
public sealed record AllPairsDistance(AllPairsMetric Metric, int Points, int Dimension)
{
    /// <summary>Sinkhorn's eps, in the unit of the squared coordinates.</summary>
    public double Epsilon { get; init; } = 0.1;

    /// <summary>Sinkhorn's epsilon-scaling factor in (0, 1); 0 starts at the target eps
    /// (SinkhornOptions.EpsilonScaling).</summary>
    public double EpsilonScaling { get; init; }

    /// <summary>Sinkhorn's tolerance on the L1 marginal error (relative to the mass).</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Sinkhorn's iteration limit.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Numbers per item.</summary>
    public int ItemLength => Points * Dimension;

    /// <summary>The name of the value's column in an output file.</summary>
    public string Column => Metric switch
    {
        AllPairsMetric.Euclidean => "euclidean",
        AllPairsMetric.W2 => "w2sq",
        _ => "sinkhorn_divergence",
    };

    /// <summary>The values of the pairs (i, j), i &lt; j, with i = rowStart + r over the items
    /// of rows and j = columnStart + c over those of columns, row by row (the order of
    /// <see cref="DistanceTiles.PairsOf(int, int, int, int)"/>); and how many are not proven (W2 pairs stopped at
    /// the pivot limit, Sinkhorn problems that did not reach the tolerance).</summary>
    /// <exception cref="ArgumentException">A block that is not a whole number of items, or a
    /// coordinate that is not finite (the message names the item).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A shape or Sinkhorn option out of range.</exception>
    public (double[] Values, int NotProven) Tile(ReadOnlyMemory<double> rows, int rowStart, ReadOnlyMemory<double> columns, int columnStart, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Points, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Dimension, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rowStart);
        ArgumentOutOfRangeException.ThrowIfNegative(columnStart);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        CheckBlock(rows.Span, rowStart, nameof(rows));
        CheckBlock(columns.Span, columnStart, nameof(columns));
        // Positions within the blocks of the pairs, in the tiles' order.
        List<(int Row, int Column)> pairs = [.. DistanceTiles.PairsOf(rowStart, rows.Length / ItemLength, columnStart, columns.Length / ItemLength)
            .Select(p => (p.I - rowStart, p.J - columnStart))];
        ReadOnlyMemory<double> Row(int r) => rows.Slice(r * ItemLength, ItemLength);
        ReadOnlyMemory<double> Column(int c) => columns.Slice(c * ItemLength, ItemLength);
        return Metric switch
        {
            AllPairsMetric.Euclidean => EuclideanDistances(pairs, rows, columns),
            AllPairsMetric.W2 => ExactW2(pairs, Row, Column, threads),
            AllPairsMetric.Sinkhorn => Divergence(pairs, Row, Column, threads),
            _ => throw new ArgumentOutOfRangeException(nameof(Metric), Metric, "Unknown metric."),
        };
    }

    /// <summary>The items as points of ItemLength coordinates under the Euclidean ground cost.</summary>
    private (double[], int) EuclideanDistances(List<(int Row, int Column)> pairs, ReadOnlyMemory<double> rows, ReadOnlyMemory<double> columns)
    {
        var cost = new PointCloudCost(rows, columns, ItemLength, GroundMetric.Euclidean);
        return ([.. pairs.Select(p => cost[p.Row, p.Column])], 0);
    }

    private (double[], int) ExactW2(List<(int Row, int Column)> pairs, Func<int, ReadOnlyMemory<double>> row, Func<int, ReadOnlyMemory<double>> column, int threads)
    {
        double[] uniform = Uniform(1);
        EmdBatchResult results = NetworkSimplex.SolveBatch(pairs.Count,
            k => (uniform, uniform, new PointCloudCost(row(pairs[k].Row), column(pairs[k].Column), Dimension)),
            new EmdOptions { MaxDegreeOfParallelism = threads });
        return (results.Cost, results.Status.Count(s => s != EmdStatus.Optimal));
    }

    private (double[], int) Divergence(List<(int Row, int Column)> pairs, Func<int, ReadOnlyMemory<double>> row, Func<int, ReadOnlyMemory<double>> column, int threads)
    {
        double[] masses = Uniform(pairs.Count);
        var options = new SinkhornOptions { Epsilon = Epsilon, EpsilonScaling = EpsilonScaling, Tolerance = Tolerance, MaxIterations = MaxIterations, MaxDegreeOfParallelism = threads };
        SinkhornDivergenceResult<double> result = SinkhornDivergence.SolveBatch(masses, masses,
            k => new PointCloudCost(row(pairs[k].Row), column(pairs[k].Column), Dimension), options);
        int notConverged = 0;
        for (int k = 0; k < pairs.Count; k++)
            if (result.Cross.Status[k] != SinkhornStatus.Converged || result.SelfStatusA[k] != SinkhornStatus.Converged || result.SelfStatusB[k] != SinkhornStatus.Converged)
                notConverged++;
        return (result.Value, notConverged);
    }

    /// <summary>Weights 1 / Points for the point clouds of the given number of problems.</summary>
    private double[] Uniform(int problems)
    {
        var weights = new double[problems * Points];
        Array.Fill(weights, 1.0 / Points);
        return weights;
    }

    private void CheckBlock(ReadOnlySpan<double> block, int start, string name)
    {
        if (block.Length % ItemLength != 0)
            throw new ArgumentException($"{name} holds {block.Length} numbers, not a whole number of items of {Points} x {Dimension}.", name);
        for (int k = 0; k < block.Length; k++)
            if (!double.IsFinite(block[k]))
                throw new ArgumentException($"{name}: item {start + k / ItemLength} has a coordinate that is {block[k]} (index {k % ItemLength} of the item).", name);
    }
}
