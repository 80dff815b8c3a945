// Plain numeric CSV: one row per line, comma-separated, an optional header line (detected
// as a first line that does not parse as numbers). Numbers are invariant-culture and
// written in round-trip form, so a double survives a write and a read unchanged.
using System.Globalization;

namespace OtKernels.IO;

/// <summary>A numeric table: the header (or null), the values row-major, the shape, and
/// the line of the file each row came from (blank lines are skipped, so rows and lines differ).</summary>
public sealed record CsvTable(string[]? Header, double[] Data, int Rows, int Cols, int[] Lines)
{
    /// <summary>The table's parts.</summary>
    public void Deconstruct(out string[]? header, out double[] data, out int rows, out int cols) =>
        (header, data, rows, cols) = (Header, Data, Rows, Cols);
}

/// <summary>Numeric CSV files: invariant culture, an optional header, errors by file and line.</summary>
public static class Csv
{
    /// <summary>Reads a numeric table.</summary>
    /// <exception cref="InvalidDataException">A row with the wrong number of fields (a fused
    /// or cut line) or a non-number, naming the file, its line and column.</exception>
    public static CsvTable Read(string path)
    {
        string[] all = File.ReadAllLines(path);
        var lines = new List<int>();
        for (int l = 0; l < all.Length; l++) if (all[l].Trim().Length > 0) lines.Add(l);
        string[]? header = null;
        int first = 0;
        if (lines.Count > 0 && !all[lines[0]].Split(',').All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            header = all[lines[0]].Split(',').Select(f => f.Trim()).ToArray();
            first = 1;
        }
        int cols = header?.Length ?? (lines.Count > 0 ? all[lines[0]].Split(',').Length : 0);
        int rows = lines.Count - first;
        var data = new double[(long)rows * cols];
        var rowLines = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int l = lines[first + r];
            rowLines[r] = l + 1;
            string[] fields = all[l].Split(',');
            if (fields.Length != cols)
                throw new InvalidDataException($"{path}:{l + 1}: {fields.Length} fields, expected {cols}{(header is null ? "" : $" ({string.Join(",", header)})")}.");
            for (int c = 0; c < cols; c++)
            {
                if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidDataException($"{path}:{l + 1}: column {c + 1} '{fields[c].Trim()}' is not a number.");
                data[(long)r * cols + c] = v;
            }
        }
        return new CsvTable(header, data, rows, cols, rowLines);
    }

    /// <summary>A number as CSV writes it: round-trip precision, invariant culture.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
