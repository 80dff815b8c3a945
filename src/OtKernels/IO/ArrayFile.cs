// One entry point for numeric arrays on disk, chosen by extension: .npy or .csv.
namespace OtKernels.IO;

public static class ArrayFile
{
    /// <summary>Reads a .npy or .csv file as doubles with its shape (a CSV is [rows, cols],
    /// or [rows] when it has one column).</summary>
    public static (double[] Data, int[] Shape) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".npy":
                return Npy.ReadDoubles(path);
            case ".csv":
            case ".txt":
                (_, double[] data, int rows, int cols) = Csv.Read(path);
                return (data, cols == 1 ? [rows] : [rows, cols]);
            default:
                throw new InvalidDataException($"{path}: unknown extension; use .npy or .csv.");
        }
    }
}
