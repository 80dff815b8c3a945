// Pairs of images with their exact W2^2, as `otk w2 mnist` and `otk dwe pairs` write them:
// a CSV with a header naming the columns i, j (image indices) and w2sq.
using OtKernels.IO;

namespace OtNet.Data;

public sealed class W2Pairs
{
    public W2Pairs(int[] first, int[] second, double[] distances)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(distances);
        if (first.Length != second.Length || first.Length != distances.Length)
            throw new ArgumentException($"first, second and distances have {first.Length}, {second.Length} and {distances.Length} entries; one per pair.");
        (First, Second, Distances) = (first, second, distances);
    }

    public int[] First { get; }
    public int[] Second { get; }

    /// <summary>W2^2 of each pair.</summary>
    public double[] Distances { get; }
    public int Count => First.Length;

    /// <summary>The pairs of a CSV file, checked against the number of images they index.</summary>
    /// <exception cref="ArgumentException">No i, j, w2sq columns; an index that is not an
    /// integer in 0..images-1; a distance that is negative or not finite (the line is named).</exception>
    public static W2Pairs Read(string path, int images)
    {
        (string[]? header, double[] data, int rows, int cols) = Csv.Read(path);
        int Column(string name) => Array.IndexOf(header ?? [], name) is int c and >= 0 ? c
            : throw new ArgumentException($"{path}: needs a header with columns i, j and w2sq (no '{name}').");
        int ci = Column("i"), cj = Column("j"), cw = Column("w2sq");
        var first = new int[rows];
        var second = new int[rows];
        var distances = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double i = data[r * cols + ci], j = data[r * cols + cj], w = data[r * cols + cw];
            if (i != Math.Floor(i) || j != Math.Floor(j) || i < 0 || j < 0 || i >= images || j >= images)
                throw new ArgumentException($"{path}: line {r + 2} indexes images {i} and {j}; the split has 0..{images - 1}.");
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentException($"{path}: line {r + 2} has W2^2 = {w}; it must be finite and nonnegative.");
            (first[r], second[r], distances[r]) = ((int)i, (int)j, w);
        }
        return new W2Pairs(first, second, distances);
    }

    /// <summary>The first count pairs.</summary>
    public W2Pairs Take(int count) => count >= Count ? this : new W2Pairs(First[..count], Second[..count], Distances[..count]);
}
