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
using OtKernels.Data;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class DwePairsCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Pairs to draw (the paper: 1,000,000).", DefaultValueFactory = _ => 1_000_000 };
        var split = new Option<string>("--split") { Description = "The MNIST split the images come from: train or test.", DefaultValueFactory = _ => "train" };
        var seed = new Option<int>("--seed") { Description = "Seed of the pair draw.", DefaultValueFactory = _ => 1 };
        var fractions = new Option<string>("--fractions") { Description = "Shares of train,valid,test (the paper: 0.7,0.2,0.1).", DefaultValueFactory = _ => "0.7,0.2,0.1" };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory.", Required = true };
        var dataDir = DataDirectoryOption.Create();
        var cluster = new ClusterOptions();
        var command = new Command("pairs", "Random MNIST image pairs and their exact W2^2, split train/valid/test.")
            { count, split, seed, fractions, threads, output, dataDir };
        cluster.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() => Run(parse.GetValue(count), parse.GetValue(split)!, parse.GetValue(seed),
            parse.GetValue(fractions)!, parse.GetValue(threads), parse.GetValue(output)!,
            MnistStore.DataDirectory(parse.GetValue(dataDir)), () => cluster.Connect(parse, "dwe pairs"))));
        return command;
    }

    private static int Run(int count, string split, int seed, string fractions, int threads, DirectoryInfo output, string dataDirectory,
        Func<OtKernels.Cluster.ShardCluster?> connect)
    {
        int parts = W2PairsDataSet.Parts.Count;
        if (count < parts) throw new ArgumentException($"--count {count}: need at least {parts} pairs (one per file).");
        if (threads < 1) throw new ArgumentException($"--threads {threads}: need at least 1.");
        int[] sizes = W2PairsDataSet.Sizes(count, ParseFractions(fractions));
        MnistSplit images = MnistStore.Load(dataDirectory, split);
        if (images.Count < 2) throw new ArgumentException($"--split {split}: {images.Count} images; pairs need two.");
        var recipe = W2PairsRecipe.For(images, split, seed, sizes);
        using OutputLock claim = OutputLock.ForDirectory(output.FullName, line => Console.Error.WriteLine($"dwe pairs: {line}"));
        if (recipe.Equals(W2PairsDataSet.ReadRecipe(output.FullName)))
        {
            if (W2PairsDataSet.Damage(output.FullName) is not { Count: > 0 } damaged)
            {
                Console.WriteLine($"{output.FullName} already holds these pairs (manifest.json and SHA-256 of every file verified); nothing to do.");
                return 0;
            }
            foreach (string line in damaged) Console.Error.WriteLine($"dwe pairs: {line}");
            Console.Error.WriteLine("dwe pairs: computing the pairs again.");
            File.Delete(W2PairsDataSet.ManifestPath(output.FullName)); // the files no longer match it; it is rewritten last
        }

        (int[] first, int[] second) = images.RandomPairs(count, seed);
        string all = Path.Combine(output.FullName, "all.csv");
        // The distances depend on the draw, not on how it is cut: other --fractions reuse the shards.
        var job = new ShardedJob(all, "i,j,w2sq", count, W2PairsJob.ShardSize, recipe.Settings(withSizes: false));
        using var cluster = new ClusterConnection(connect());
        var clock = Stopwatch.StartNew();
        int notOptimal = W2PairsJob.Run(job, images, first, second, threads, "dwe pairs", cluster.Value);
        double seconds = clock.Elapsed.TotalSeconds;
        if (notOptimal > 0) throw new ComputationFailedException($"{notOptimal} pairs stopped at the pivot limit (not proven optimal); {all} kept.");

        // Read back through the pairs reader, so that what is cut is proven whole: every row
        // parsed, the draw's pairs in the draw's order.
        (int[] readFirst, int[] readSecond, double[]? distances) = PairsCsv.Read(all, images.Count, withDistances: true);
        if (readFirst.Length != count || !readFirst.AsSpan().SequenceEqual(first) || !readSecond.AsSpan().SequenceEqual(second))
            throw new InvalidDataException($"{all}: {readFirst.Length} rows that are not the {count} pairs drawn; delete it and run again.");
        W2PairsDataSet.Write(output.FullName, recipe, first, second, distances!);
        File.Delete(all);
        Console.WriteLine(ShardedRun.Summary(job, count, seconds, $"{threads} thread(s)", cluster.Value,
            $"{string.Join(", ", W2PairsDataSet.Parts.Select((p, k) => $"{p}.csv ({sizes[k]})"))} in {output.FullName}"));
        return 0;
    }

    /// <summary>The shares as numbers; W2PairsDataSet.Sizes judges them.</summary>
    private static double[] ParseFractions(string text) => text.Split(',').Select(f =>
        double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
        : throw new ArgumentException($"--fractions {text}: '{f}' is not a number; give three shares train,valid,test.")).ToArray();
}
