// otk w2 mnist: exact W2^2 between pairs of MNIST images (784-bin histograms on the 28 x 28
// grid, squared Euclidean cost in pixel units), in resumable shards.
using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using OtKernels.Cluster;
using OtKernels.Data;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class W2Command
{
    public static Command Create()
    {
        var pairs = new Option<FileInfo>("--pairs") { Description = "CSV with a header and columns i,j (image indices).", Required = true };
        var split = new Option<string>("--split") { Description = "train or test.", DefaultValueFactory = _ => "train" };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<FileInfo>("--out") { Description = "Output CSV: i,j,w2sq.", Required = true };
        var dataDir = DataDirectoryOption.Create();
        var cluster = new ClusterOptions();
        var mnist = new Command("mnist", "Exact W2^2 between pairs of MNIST images.") { pairs, split, threads, output, dataDir };
        cluster.AddTo(mnist);
        mnist.SetAction(parse => CliErrors.Run(() => Run(
            parse.GetValue(pairs)!, parse.GetValue(split)!, parse.GetValue(threads), parse.GetValue(output)!,
            MnistStore.DataDirectory(parse.GetValue(dataDir)), () => cluster.Connect(parse, "w2"))));
        return new Command("w2", "Exact squared 2-Wasserstein distances.") { mnist };
    }

    private static int Run(FileInfo pairsFile, string split, int threads, FileInfo output, string dataDirectory, Func<ShardCluster?> connect)
    {
        if (threads < 1) throw new ArgumentException($"--threads {threads}: need at least 1.");
        AtomicFile.CheckTarget(output.FullName);
        MnistSplit images = MnistStore.Load(dataDirectory, split);
        (int[] first, int[] second, _) = PairsCsv.Read(pairsFile.FullName, images.Count, withDistances: false);

        string fingerprint = $"pairs-sha256={Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(pairsFile.FullName)))}\nsplit={split}";
        var job = new ShardedJob(output.FullName, "i,j,w2sq", first.Length, W2PairsJob.ShardSize, fingerprint);
        using var cluster = new ClusterConnection(connect());
        var clock = Stopwatch.StartNew();
        int notOptimal = W2PairsJob.Run(job, images, first, second, threads, "w2", cluster.Value);
        Console.WriteLine(ShardedRun.Summary(job, first.Length, clock.Elapsed.TotalSeconds, $"{threads} thread(s)", cluster.Value, output.FullName));
        if (notOptimal > 0) Console.Error.WriteLine($"w2: {notOptimal} pairs stopped at the pivot limit (not proven optimal).");
        return notOptimal > 0 ? 1 : 0;
    }
}
