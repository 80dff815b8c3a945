// Pairs of images with their exact W2^2, as `otk w2 mnist` and `otk dwe pairs` write them:
// a CSV with a header naming the columns i, j (image indices) and w2sq.
using OtKernels.IO;

namespace OtNet.Data;

/// <summary>Pairs of image indices with their exact W2^2.</summary>
public sealed class W2Pairs
{
    /// <summary>Pairs (first[p], second[p]) at distances[p].</summary>
    public W2Pairs(int[] first, int[] second, double[] distances)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(distances);
        if (first.Length != second.Length || first.Length != distances.Length)
            throw new ArgumentException($"first, second and distances have {first.Length}, {second.Length} and {distances.Length} entries; one per pair.");
        (First, Second, Distances) = (first, second, distances);
    }

    /// <summary>The first image of each pair.</summary>
    public int[] First { get; }
    /// <summary>The second image of each pair.</summary>
    public int[] Second { get; }

    /// <summary>W2^2 of each pair.</summary>
    public double[] Distances { get; }
    /// <summary>Pairs in the set.</summary>
    public int Count => First.Length;

    /// <summary>The pairs of a CSV file with columns i, j and w2sq, checked against the
    /// number of images they index (PairsCsv.Read).</summary>
    /// <exception cref="InvalidDataException">A missing column or a bad row, with the line.</exception>
    public static W2Pairs Read(string path, int images)
    {
        (int[] first, int[] second, double[]? distances) = PairsCsv.Read(path, images, withDistances: true);
        return new W2Pairs(first, second, distances!);
    }

    /// <summary>The first count pairs.</summary>
    public W2Pairs Take(int count) => count >= Count ? this : new W2Pairs(First[..count], Second[..count], Distances[..count]);
}
