// The data set of Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018, section 4.1) on
// disk: random pairs of images of one MNIST split with their exact W2^2, cut into train.csv,
// valid.csv and test.csv (columns i, j, w2sq; the paper: 700,000 / 200,000 / 100,000 of
// 1,000,000), and manifest.json, which records how the pairs were drawn (W2PairsRecipe) and
// the rows and SHA-256 of every file. The manifest is written last, so a directory with one
// holds a whole data set, and a file damaged since is found by its hash.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OtKernels.IO;

namespace OtKernels.Data;

/// <summary>The train / valid / test files of a W2-pairs data set and its manifest.json:
/// sizes from shares, writing (atomically, the manifest last), reading the recipe back and
/// finding files damaged since.</summary>
public static class W2PairsDataSet
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The parts of a data set, in the order of <see cref="W2PairsRecipe.Sizes"/>.</summary>
    public static IReadOnlyList<string> Parts { get; } = ["train", "valid", "test"];

    /// <summary>The file of a part (train, valid or test) in a data set's directory.</summary>
    public static string PartPath(string directory, string part) => Path.Combine(directory, part + ".csv");

    /// <summary>The manifest of a data set's directory.</summary>
    public static string ManifestPath(string directory) => Path.Combine(directory, "manifest.json");

    /// <summary>Rows of train, valid and test for count pairs and three shares that sum to
    /// 1: the floor of the first two shares, the rest to test.</summary>
    /// <exception cref="ArgumentException">Not three positive shares summing to 1, or a part
    /// left empty (named).</exception>
    public static int[] Sizes(int count, IReadOnlyList<double> fractions)
    {
        ArgumentNullException.ThrowIfNull(fractions);
        if (fractions.Count != Parts.Count || fractions.Any(f => !(f > 0)) || Math.Abs(fractions.Sum() - 1) > 1e-9)
            throw new ArgumentException($"fractions ({string.Join(", ", fractions)}): need three positive shares (train, valid, test) that sum to 1.", nameof(fractions));
        int train = (int)Math.Floor(count * fractions[0]), valid = (int)Math.Floor(count * fractions[1]);
        int[] sizes = [train, valid, count - train - valid];
        for (int p = 0; p < sizes.Length; p++)
            if (sizes[p] < 1) throw new ArgumentException($"count {count} with these fractions leaves {Parts[p]} empty.", nameof(count));
        return sizes;
    }

    /// <summary>Writes pairs (first[k], second[k]) at distances[k] as the recipe's train,
    /// valid and test files, in draw order, then manifest.json; each file atomically.</summary>
    /// <exception cref="ArgumentException">Arrays whose lengths are not the recipe's count.</exception>
    public static void Write(string directory, W2PairsRecipe recipe, int[] first, int[] second, double[] distances)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(distances);
        if (first.Length != recipe.Count || second.Length != recipe.Count || distances.Length != recipe.Count)
            throw new ArgumentException($"first, second and distances have {first.Length}, {second.Length} and {distances.Length} entries; the recipe has {recipe.Count} pairs.");
        Directory.CreateDirectory(directory);
        var manifest = recipe.Fields(withSizes: true).ToDictionary(f => f.Key, f => (object)f.Value);
        int at = 0;
        for (int p = 0; p < Parts.Count; p++)
        {
            var text = new StringBuilder("i,j,w2sq\n");
            for (int k = at; k < at + recipe.Sizes[p]; k++)
                text.Append(CultureInfo.InvariantCulture, $"{first[k]},{second[k]},{Csv.Format(distances[k])}\n");
            byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
            AtomicFile.Write(PartPath(directory, Parts[p]), stream => stream.Write(bytes));
            manifest[Parts[p]] = new Dictionary<string, object> { ["rows"] = recipe.Sizes[p], ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
            at += recipe.Sizes[p];
        }
        AtomicFile.WriteAllText(ManifestPath(directory), JsonSerializer.Serialize(manifest, Indented) + "\n");
    }

    /// <summary>The recipe manifest.json records, or null when the directory has none.</summary>
    /// <exception cref="InvalidDataException">A manifest that is not one this class writes, with the reason.</exception>
    public static W2PairsRecipe? ReadRecipe(string directory)
    {
        string path = ManifestPath(directory);
        if (!File.Exists(path)) return null;
        using JsonDocument document = Parse(path);
        string Field(string name) => document.RootElement.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()! : throw new InvalidDataException($"{path}: no '{name}'; make the pairs again.");
        int Number(string name, string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value : throw new InvalidDataException($"{path}: '{name}' = '{text}' is not an integer.");
        int[] sizes = Field("sizes").Split(',').Select(s => Number("sizes", s)).ToArray();
        if (sizes.Length != Parts.Count) throw new InvalidDataException($"{path}: 'sizes' has {sizes.Length} entries; train, valid and test need three.");
        var recipe = new W2PairsRecipe(Field("split"), Number("seed", Field("seed")), sizes, Field("images_sha256"));
        if (Number("count", Field("count")) != recipe.Count)
            throw new InvalidDataException($"{path}: 'count' {Field("count")} is not the sum of 'sizes' {Field("sizes")}.");
        return recipe;
    }

    /// <summary>One line for each of train, valid and test that is missing or whose SHA-256
    /// differs from the manifest's; empty when the data set is whole.</summary>
    /// <exception cref="InvalidDataException">No manifest, or one without a part's rows and hash.</exception>
    public static IReadOnlyList<string> Damage(string directory)
    {
        string path = ManifestPath(directory);
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing.");
        using JsonDocument document = Parse(path);
        var damaged = new List<string>();
        foreach (string part in Parts)
        {
            if (!document.RootElement.TryGetProperty(part, out JsonElement entry) || entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("rows", out JsonElement rows) || !rows.TryGetInt32(out int expectedRows)
                || !entry.TryGetProperty("sha256", out JsonElement sha) || sha.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}: no rows and sha256 for {part}; delete it to make the pairs again.");
            string file = PartPath(directory, part);
            if (!File.Exists(file)) { damaged.Add($"{file} is missing."); continue; }
            byte[] bytes = File.ReadAllBytes(file);
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) == sha.GetString()) continue;
            int actualRows = Math.Max(0, bytes.Count(b => b == (byte)'\n') - 1);
            damaged.Add($"{file} is damaged: {actualRows} rows where manifest.json records {expectedRows}, and its SHA-256 differs.");
        }
        return damaged;
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
            throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is damaged ({e.Message}); delete it to make the pairs again.");
        }
    }
}
