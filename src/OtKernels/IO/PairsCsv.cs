// Pairs of image indices in CSV: `otk w2 mnist` reads columns i, j and writes them back with
// w2sq, the exact W2^2 of the pair; `otk dwe pairs` cuts such a file into train, valid and
// test, which training and evaluation read. One reader serves them all, so every one refuses
// the same damage: a fused or cut row, an index that is not an image of the split, a
// distance that is negative or not finite, each named by file and line.
using System.Globalization;

namespace OtKernels.IO;

/// <summary>The i,j[,w2sq] pair files of the MNIST jobs, with errors by file and line.</summary>
public static class PairsCsv
{
    /// <summary>Columns i and j, and w2sq when <paramref name="withDistances"/>, of a pairs
    /// file whose indices must lie in 0..images-1.</summary>
    /// <exception cref="InvalidDataException">A missing column or any bad row, with the file
    /// and line.</exception>
    public static (int[] First, int[] Second, double[]? Distances) Read(string path, int images, bool withDistances)
    {
        CsvTable table = Csv.Read(path);
        int Column(string name) => Array.IndexOf(table.Header ?? [], name) is int c and >= 0 ? c
            : throw new InvalidDataException($"{path}: needs a header with columns i, j{(withDistances ? " and w2sq" : "")} (no '{name}').");
        int ci = Column("i"), cj = Column("j"), cw = withDistances ? Column("w2sq") : -1;
        int rows = table.Rows, cols = table.Cols;
        var first = new int[rows];
        var second = new int[rows];
        double[]? distances = withDistances ? new double[rows] : null;
        for (int r = 0; r < rows; r++)
        {
            first[r] = Index(table.Data[(long)r * cols + ci], "i", r);
            second[r] = Index(table.Data[(long)r * cols + cj], "j", r);
            if (distances is null) continue;
            double w = table.Data[(long)r * cols + cw];
            if (!(w >= 0) || double.IsInfinity(w))
                throw new InvalidDataException($"{path}:{table.Lines[r]}: w2sq = {Csv.Format(w)}; it must be finite and nonnegative.");
            distances[r] = w;
        }
        return (first, second, distances);

        int Index(double value, string column, int row) => value == Math.Floor(value) && value >= 0 && value < images ? (int)value
            : throw new InvalidDataException($"{path}:{table.Lines[row]}: {column} = {value.ToString(CultureInfo.InvariantCulture)} is not an image index of the split (0..{images - 1}).");
    }
}
