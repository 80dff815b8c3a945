// Plain numeric CSV: one row per line, comma-separated, an optional header line (detected
// as a first line that does not parse as numbers). Numbers are invariant-culture and
// written in round-trip form, so a double survives a write and a read unchanged.
using System.Globalization;

namespace OtKernels.IO;

public static class Csv
{
    /// <summary>Reads a numeric table; returns the header (or null), the values row-major and the shape.</summary>
    /// <exception cref="InvalidDataException">A ragged row or a non-number, with line and column.</exception>
    public static (string[]? Header, double[] Data, int Rows, int Cols) Read(string path)
    {
        string[] lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
        string[]? header = null;
        int first = 0;
        if (lines.Length > 0 && !lines[0].Split(',').All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            header = lines[0].Split(',').Select(f => f.Trim()).ToArray();
            first = 1;
        }
        int cols = header?.Length ?? (lines.Length > 0 ? lines[0].Split(',').Length : 0);
        var data = new List<double>();
        for (int l = first; l < lines.Length; l++)
        {
            string[] fields = lines[l].Split(',');
            if (fields.Length != cols)
                throw new InvalidDataException($"{path}:{l + 1}: {fields.Length} fields, expected {cols}.");
            for (int c = 0; c < cols; c++)
            {
                if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidDataException($"{path}:{l + 1}: column {c + 1} '{fields[c].Trim()}' is not a number.");
                data.Add(v);
            }
        }
        return (header, data.ToArray(), lines.Length - first, cols);
    }

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
