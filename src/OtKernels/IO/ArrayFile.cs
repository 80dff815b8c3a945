// One entry point for numeric arrays on disk, chosen by extension: .npy or .csv.
namespace OtKernels.IO;

/// <summary>Arrays in .npy or .csv files, chosen by the extension.</summary>
public static class ArrayFile
{
    /// <summary>Reads a .npy or .csv file as doubles with its shape (a CSV is [rows, cols],
    /// or [rows] when it has one column).</summary>
    public static (double[] Data, int[] Shape) Read(string path) => Read(path, out _);

    /// <summary>As <see cref="Read(string)"/>, also giving the relative rounding of the stored
    /// values (the unit roundoff of their type): 2^-24 for float32 .npy, 2^-53 for float64 and
    /// CSV, 0 for integers. Masses saved as float32 do not sum to 1 closer than that.</summary>
    public static (double[] Data, int[] Shape) Read(string path, out double precision)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".npy":
                (double[] values, int[] shape) = Npy.ReadDoubles(path, out string dtype);
                precision = dtype.EndsWith("f4", StringComparison.Ordinal) ? Math.ScaleB(1, -24)
                    : dtype.EndsWith("f8", StringComparison.Ordinal) ? Math.ScaleB(1, -53) : 0;
                return (values, shape);
            case ".csv":
            case ".txt":
                precision = Math.ScaleB(1, -53);
                (_, double[] data, int rows, int cols) = Csv.Read(path);
                return (data, cols == 1 ? [rows] : [rows, cols]);
            default:
                throw new InvalidDataException($"{path}: unknown extension; use .npy or .csv.");
        }
    }
}
