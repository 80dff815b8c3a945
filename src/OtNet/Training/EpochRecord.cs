// One epoch of any training run: its metrics by name (the task's training metrics, then its
// evaluation metrics), its time and the learning rate it ran at. One CSV format serves
// history.csv and the checkpoint's history.
using System.Globalization;

namespace OtNet.Training;

/// <summary>One finished epoch: named metrics, seconds and the learning rate it ran at.</summary>
public sealed record EpochRecord(int Epoch, IReadOnlyList<string> Names, IReadOnlyList<double> Values, double Seconds, double LearningRate)
{
    /// <summary>The metric called name.</summary>
    /// <exception cref="KeyNotFoundException">No metric of that name, listing those there are.</exception>
    public double this[string name]
    {
        get
        {
            for (int k = 0; k < Names.Count; k++)
                if (Names[k] == name) return Values[k];
            throw new KeyNotFoundException($"No metric '{name}' in this history; it has {string.Join(", ", Names)}.");
        }
    }

    /// <summary>The CSV header of a history of these metrics.</summary>
    public string CsvHeader() => string.Join(",", ["epoch", .. Names, "seconds", "learning_rate"]);

    /// <summary>This epoch as a CSV row in <see cref="CsvHeader"/>'s order (invariant culture,
    /// round-trip precision).</summary>
    public string ToCsvRow() => string.Join(",", [Epoch.ToString(CultureInfo.InvariantCulture),
        .. Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)),
        Seconds.ToString("R", CultureInfo.InvariantCulture), LearningRate.ToString("R", CultureInfo.InvariantCulture)]);

    /// <summary>A row of <see cref="ToCsvRow"/> with metrics called names.</summary>
    /// <exception cref="FormatException">A row with another number of fields, or a field that is not a number.</exception>
    public static EpochRecord Parse(string row, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(names);
        string[] fields = row.Split(',');
        if (fields.Length != names.Count + 3)
            throw new FormatException($"History row '{row}' has {fields.Length} fields; epoch, {string.Join(", ", names)}, seconds and learning_rate make {names.Count + 3}.");
        double[] values = fields.Select(f => double.Parse(f, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        return new EpochRecord(int.Parse(fields[0], CultureInfo.InvariantCulture), names, values[1..^2], values[^2], values[^1]);
    }
}
