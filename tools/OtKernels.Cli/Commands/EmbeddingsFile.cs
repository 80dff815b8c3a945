// --embeddings on the eval commands of the embedding models: the test images' embeddings as
// an .npy array [n, points, dimension] (the input of `otk distances`) and their labels beside
// it, so that a model's all-pairs distances can be computed, locally or on a cluster.
using System.CommandLine;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class EmbeddingsFile
{
    public static Option<FileInfo?> Create() => new("--embeddings")
    {
        Description = "Also write the evaluated images' embeddings [n, points, dimension] as float64 .npy (the input of otk distances), and their labels [n] as int64 to FILE.labels.npy.",
    };

    /// <summary>Where the labels go: FILE.labels.npy beside FILE.npy.</summary>
    public static string LabelsPath(string path) => Path.ChangeExtension(path, ".labels.npy");

    /// <summary>Refuses unwritable targets before any work.</summary>
    public static void CheckTargets(FileInfo? file)
    {
        if (file is null) return;
        if (!file.Name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--embeddings {file.FullName}: give a .npy file name.");
        AtomicFile.CheckTarget(file.FullName);
        AtomicFile.CheckTarget(LabelsPath(file.FullName));
    }

    /// <summary>Writes embeddings [labels.Length, points, dimension] and the labels, each atomically.</summary>
    public static void Write(FileInfo? file, float[] embeddings, int points, int dimension, ReadOnlySpan<int> labels)
    {
        if (file is null) return;
        Npy.Write(file.FullName, Array.ConvertAll(embeddings, v => (double)v), labels.Length, points, dimension);
        long[] wide = new long[labels.Length];
        for (int k = 0; k < labels.Length; k++) wide[k] = labels[k];
        Npy.Write(LabelsPath(file.FullName), wide, labels.Length);
    }
}
