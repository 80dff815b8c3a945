// otk dwe pairs: the data of Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018,
// section 4.1): --count random pairs of distinct images of one MNIST split with their exact
// W2^2 (network simplex on the 28 x 28 grid, pixel units, as `otk w2 mnist`), cut into
// train / valid / test files (the paper: 700,000 / 200,000 / 100,000 of 1,000,000) in DIR,
// with manifest.json (seed, split, counts, SHA-256 of every file and of the images). The
// distances are computed in resumable shards (DIR/all.csv.shards); the three files and the
// manifest are written atomically once all are done, the manifest last.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using OtKernels.Data;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class DwePairsCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static readonly string[] Parts = ["train", "valid", "test"];

    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Pairs to draw (the paper: 1,000,000).", DefaultValueFactory = _ => 1_000_000 };
        var split = new Option<string>("--split") { Description = "The MNIST split the images come from: train or test.", DefaultValueFactory = _ => "train" };
        var seed = new Option<int>("--seed") { Description = "Seed of the pair draw.", DefaultValueFactory = _ => 1 };
        var fractions = new Option<string>("--fractions") { Description = "Shares of train,valid,test (the paper: 0.7,0.2,0.1).", DefaultValueFactory = _ => "0.7,0.2,0.1" };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory.", Required = true };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("pairs", "Random MNIST image pairs and their exact W2^2, split train/valid/test.")
            { count, split, seed, fractions, threads, output, dataDir };
        command.SetAction(parse => CliErrors.Run(() => Run(parse.GetValue(count), parse.GetValue(split)!, parse.GetValue(seed),
            ParseFractions(parse.GetValue(fractions)!), parse.GetValue(threads), parse.GetValue(output)!,
            MnistStore.DataDirectory(parse.GetValue(dataDir)))));
        return command;
    }

    private static int Run(int count, string split, int seed, double[] fractions, int threads, DirectoryInfo output, string dataDirectory)
    {
        if (count < Parts.Length) throw new ArgumentException($"--count {count}: need at least {Parts.Length} pairs (one per file).");
        if (threads < 1) throw new ArgumentException($"--threads {threads}: need at least 1.");
        int[] sizes = Sizes(count, fractions);
        MnistSplit images = MnistStore.Load(dataDirectory, split);
        if (images.Count < 2) throw new ArgumentException($"--split {split}: {images.Count} images; pairs need two.");
        string imagesHash = Convert.ToHexStringLower(SHA256.HashData(images.Images));
        using OutputLock claim = OutputLock.ForDirectory(output.FullName, line => Console.Error.WriteLine($"dwe pairs: {line}"));
        string manifestPath = Path.Combine(output.FullName, "manifest.json");
        var settings = new Dictionary<string, string>
        {
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture), ["split"] = split, ["count"] = count.ToString(CultureInfo.InvariantCulture),
            ["sizes"] = string.Join(",", sizes), ["images_sha256"] = imagesHash,
        };
        if (File.Exists(manifestPath) && SameSettings(manifestPath, settings))
        {
            if (DamagedParts(output.FullName, manifestPath) is not { Count: > 0 } damaged)
            {
                Console.WriteLine($"{output.FullName} already holds these pairs (manifest.json, rows and SHA-256 of every file verified); nothing to do.");
                return 0;
            }
            foreach (string line in damaged) Console.Error.WriteLine($"dwe pairs: {line}");
            Console.Error.WriteLine("dwe pairs: computing the pairs again.");
            File.Delete(manifestPath); // the files no longer match it; it is rewritten last
        }

        (int[] first, int[] second) = images.RandomPairs(count, seed);
        string all = Path.Combine(output.FullName, "all.csv");
        // The distances depend on the draw, not on how it is cut: other --fractions reuse the shards.
        var job = new ShardedJob(all, "i,j,w2sq", count, W2PairsJob.ShardSize,
            string.Join("\n", settings.Where(s => s.Key != "sizes").Select(s => $"{s.Key}={s.Value}")));
        var clock = Stopwatch.StartNew();
        int notOptimal = W2PairsJob.Run(job, images, first, second, threads, "dwe pairs");
        double seconds = clock.Elapsed.TotalSeconds;
        if (notOptimal > 0) throw new ComputationFailedException($"{notOptimal} pairs stopped at the pivot limit (not proven optimal); {all} kept.");

        // Read back through the pairs reader, so that what is cut is proven whole: every row
        // parsed, the draw's pairs in the draw's order.
        (int[] readFirst, int[] readSecond, double[]? distances) = PairsCsv.Read(all, images.Count, withDistances: true);
        if (readFirst.Length != count || !readFirst.AsSpan().SequenceEqual(first) || !readSecond.AsSpan().SequenceEqual(second))
            throw new InvalidDataException($"{all}: {readFirst.Length} rows that are not the {count} pairs drawn; delete it and run again.");
        string header = "i,j,w2sq";
        var manifest = new Dictionary<string, object>(settings.ToDictionary(s => s.Key, s => (object)s.Value));
        int at = 0;
        for (int p = 0; p < Parts.Length; p++)
        {
            string path = Path.Combine(output.FullName, Parts[p] + ".csv");
            var text = new System.Text.StringBuilder(header + "\n");
            for (int k = at; k < at + sizes[p]; k++) text.Append($"{first[k]},{second[k]},{Csv.Format(distances![k])}\n");
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text.ToString());
            AtomicFile.Write(path, stream => stream.Write(bytes));
            manifest[Parts[p]] = new Dictionary<string, object> { ["rows"] = sizes[p], ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
            at += sizes[p];
        }
        AtomicFile.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest, Indented) + "\n");
        File.Delete(all);
        int computed = count - job.ResumedItems;
        Console.WriteLine($"{computed} pairs in {seconds:F1} s: {computed / Math.Max(seconds, 1e-9):F0} pairs/s on {threads} thread(s)"
            + (job.ResumedItems > 0 ? $" ({job.ResumedItems} resumed)" : "") + $"; wrote {string.Join(", ", Parts.Select((p, k) => $"{p}.csv ({sizes[k]})"))} in {output.FullName}");
        return 0;
    }

    /// <summary>Rows of train, valid and test: floor of each share, the rest to test; each at least one.</summary>
    internal static int[] Sizes(int count, double[] fractions)
    {
        int train = (int)Math.Floor(count * fractions[0]), valid = (int)Math.Floor(count * fractions[1]);
        int[] sizes = [train, valid, count - train - valid];
        for (int p = 0; p < sizes.Length; p++)
            if (sizes[p] < 1) throw new ArgumentException($"--fractions with --count {count} leaves {Parts[p]} empty.");
        return sizes;
    }

    private static double[] ParseFractions(string text)
    {
        string[] fields = text.Split(',');
        double[] values = fields.Select(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN).ToArray();
        if (values.Length != 3 || values.Any(v => !(v > 0)) || Math.Abs(values.Sum() - 1) > 1e-9)
            throw new ArgumentException($"--fractions {text}: three positive shares (train,valid,test) that sum to 1.");
        return values;
    }

    /// <summary>Whether manifest.json was written for these settings.</summary>
    /// <exception cref="InvalidDataException">It is not the JSON object this command writes.</exception>
    private static bool SameSettings(string manifestPath, Dictionary<string, string> settings)
    {
        using JsonDocument document = ParseManifest(manifestPath);
        return settings.All(s => document.RootElement.TryGetProperty(s.Key, out JsonElement value)
            && value.ValueKind == JsonValueKind.String && value.GetString() == s.Value);
    }

    /// <summary>One line for each of train, valid, test that is missing or whose rows or
    /// SHA-256 differ from what the manifest recorded.</summary>
    private static List<string> DamagedParts(string directory, string manifestPath)
    {
        using JsonDocument document = ParseManifest(manifestPath);
        var damaged = new List<string>();
        foreach (string part in Parts)
        {
            string path = Path.Combine(directory, part + ".csv");
            if (!document.RootElement.TryGetProperty(part, out JsonElement entry) || entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("rows", out JsonElement rows) || !rows.TryGetInt32(out int expectedRows)
                || !entry.TryGetProperty("sha256", out JsonElement sha) || sha.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{manifestPath}: no rows and sha256 for {part}; delete it to compute the pairs again.");
            if (!File.Exists(path)) { damaged.Add($"{path} is missing."); continue; }
            byte[] bytes = File.ReadAllBytes(path);
            int actualRows = Math.Max(0, bytes.Count(b => b == (byte)'\n') - 1);
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != sha.GetString())
                damaged.Add($"{path} is damaged: {actualRows} rows where manifest.json records {expectedRows}, and its SHA-256 differs.");
        }
        return damaged;
    }

    private static JsonDocument ParseManifest(string manifestPath)
    {
        try
        {
            JsonDocument document = JsonDocument.Parse(File.ReadAllText(manifestPath));
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
            throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{manifestPath} is damaged ({e.Message}); delete it to compute the pairs again.");
        }
    }
}
