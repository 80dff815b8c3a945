// The n x n distance matrix of an all-pairs job cut into square tiles of its upper triangle:
// tile (I, J), I <= J, holds the pairs (i, j), i < j, with i in row block I and j in column
// block J. A tile needs only the 2 T items of its two blocks, so a silo is sent O(T) rows for
// O(T^2) pairs, and the tiles are the job's shards. Tiles are numbered row block by row block;
// within a tile the pairs run row by row. Diagonal tiles hold T (T - 1) / 2 pairs, and a
// diagonal tile of one item holds none and is left out.
namespace OtKernels.Data;

/// <summary>The tiles of the pairs i &lt; j of <see cref="Count"/> items.</summary>
public sealed class DistanceTiles
{
    private readonly (int Row, int Column)[] _blocks;

    /// <param name="count">Items (at least 2).</param>
    /// <param name="tileSize">Items per block (at least 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">count below 2, tileSize below 1, a tile
    /// of more than int.MaxValue pairs, or more than int.MaxValue pairs in all.</exception>
    public DistanceTiles(int count, int tileSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileSize, 1);
        long pairs = (long)count * (count - 1) / 2;
        if (pairs > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} items make {pairs} pairs; a job holds at most {int.MaxValue} (65,536 items).");
        if ((long)tileSize * tileSize > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(tileSize), tileSize, $"a tile of {tileSize} x {tileSize} pairs is more than {int.MaxValue}.");
        Count = count;
        TileSize = tileSize;
        int blocks = (count + tileSize - 1) / tileSize;
        var tiles = new List<(int, int)>();
        var lengths = new List<int>();
        for (int row = 0; row < blocks; row++)
            for (int column = row; column < blocks; column++)
            {
                int length = PairsIn(row, column);
                if (length == 0) continue;
                tiles.Add((row, column));
                lengths.Add(length);
            }
        _blocks = [.. tiles];
        PairsPerTile = lengths;
    }

    /// <summary>Items.</summary>
    public int Count { get; }

    /// <summary>Items per block.</summary>
    public int TileSize { get; }

    /// <summary>Pairs i &lt; j in all, n (n - 1) / 2.</summary>
    public int Pairs => (int)((long)Count * (Count - 1) / 2);

    /// <summary>Pairs in each tile, in tile order (the job's shard lengths).</summary>
    public IReadOnlyList<int> PairsPerTile { get; }

    /// <summary>Tile t's rows [RowStart, RowStart + RowCount) and columns [ColumnStart, ColumnStart + ColumnCount).</summary>
    public (int RowStart, int RowCount, int ColumnStart, int ColumnCount) Tile(int tile)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tile);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(tile, _blocks.Length);
        (int row, int column) = _blocks[tile];
        return (row * TileSize, BlockLength(row), column * TileSize, BlockLength(column));
    }

    /// <summary>The pairs of tile t in their order: i over its rows, then j over its columns, j &gt; i.</summary>
    public IEnumerable<(int I, int J)> PairsOf(int tile)
    {
        (int rowStart, int rowCount, int columnStart, int columnCount) = Tile(tile);
        return PairsOf(rowStart, rowCount, columnStart, columnCount);
    }

    /// <summary>The pairs i &lt; j of a block of rows and a block of columns, in the order of
    /// every tile: i over the rows, then j over the columns.</summary>
    public static IEnumerable<(int I, int J)> PairsOf(int rowStart, int rowCount, int columnStart, int columnCount)
    {
        for (int i = rowStart; i < rowStart + rowCount; i++)
            for (int j = Math.Max(columnStart, i + 1); j < columnStart + columnCount; j++)
                yield return (i, j);
    }

    private int BlockLength(int block) => Math.Min(TileSize, Count - block * TileSize);

    private int PairsIn(int row, int column)
    {
        long rows = BlockLength(row), columns = BlockLength(column);
        return (int)(row == column ? rows * (rows - 1) / 2 : rows * columns);
    }
}
