// What travels for one tile of an all-pairs job (`otk distances`): the items of the tile's
// row block and column block (2 T items for T^2 pairs), where they start, the distance and
// its options; the engine version and a SHA-256 of the items, which the silo checks, as for
// image pairs.
using System.Runtime.InteropServices;
using OtKernels.Data;

namespace OtKernels.Cluster;

/// <summary>A tile of an all-pairs distance job: the pairs i &lt; j with i in Rows (items from
/// RowStart on) and j in Columns (from ColumnStart on).</summary>
[GenerateSerializer, Immutable]
public sealed record DistancesWork(
    [property: Id(0)] string EngineVersion,
    [property: Id(1)] int Shard,
    [property: Id(2)] AllPairsMetric Metric,
    [property: Id(3)] int Points,
    [property: Id(4)] int Dimension,
    [property: Id(5)] double Epsilon,
    [property: Id(6)] double EpsilonScaling,
    [property: Id(7)] double Tolerance,
    [property: Id(8)] int MaxIterations,
    [property: Id(9)] int RowStart,
    [property: Id(10)] double[] Rows,
    [property: Id(11)] int ColumnStart,
    [property: Id(12)] double[] Columns,
    [property: Id(13)] string ItemsSha256)
{
    /// <summary>The work for a tile, stamped with this build's engine version and the items' hash.</summary>
    public static DistancesWork Create(int shard, AllPairsDistance distance, int rowStart, double[] rows, int columnStart, double[] columns)
    {
        ArgumentNullException.ThrowIfNull(distance);
        return new(OtKernels.Cluster.EngineVersion.Current, shard, distance.Metric, distance.Points, distance.Dimension,
            distance.Epsilon, distance.EpsilonScaling, distance.Tolerance, distance.MaxIterations, rowStart, rows, columnStart, columns, Hash(rows, columns));
    }

    /// <summary>The distance the tile is computed with.</summary>
    public AllPairsDistance Distance => new(Metric, Points, Dimension) { Epsilon = Epsilon, EpsilonScaling = EpsilonScaling, Tolerance = Tolerance, MaxIterations = MaxIterations };

    /// <summary>SHA-256 over the bytes of Rows then Columns, lower-case hex.</summary>
    public static string Hash(double[] rows, double[] columns) =>
        WorkHash.Of(MemoryMarshal.AsBytes(rows.AsSpan()), MemoryMarshal.AsBytes(columns.AsSpan()));
}

/// <summary>The values of a tile in its pairs' order, how many are not proven, and which
/// silo computed it.</summary>
[GenerateSerializer, Immutable]
public sealed record DistancesReply(
    [property: Id(0)] double[] Values,
    [property: Id(1)] int NotProven,
    [property: Id(2)] string Silo);
