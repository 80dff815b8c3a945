// The sharded jobs through the CLI, as the reliability report broke them: a shard truncated
// after a kill is redone (it was merged, losing rows and fusing two), a truncated output of
// dwe pairs is noticed (it was reported as "nothing to do"), and a second run on the same
// --out refuses while the first is alive (they mixed their rows). Needs the MNIST files,
// which tools/test.sh fetches; skipped with the reason where they are absent.
using System.Diagnostics;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class ShardedCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-sharded-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    /// <summary>A pairs file of count pairs (seeded), large enough that a run takes seconds.</summary>
    private string Pairs(string name, int count, int seed)
    {
        var rng = new Random(seed);
        System.IO.File.WriteAllLines(File(name), ["i,j", .. Enumerable.Range(0, count).Select(_ => $"{rng.Next(60000)},{rng.Next(60000)}")]);
        return File(name);
    }

    private static void WaitFor(Func<bool> condition, Process process, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited) throw new Xunit.Sdk.XunitException($"otk exited ({process.ExitCode}) before {what}.");
            if (clock.Elapsed.TotalSeconds > 60) throw new TimeoutException($"no {what} in 60 s.");
            Thread.Sleep(20);
        }
    }

    [MnistFact]
    public void W2_KilledRun_WithATruncatedShard_RedoesIt_AndLosesNothing()
    {
        string pairs = Pairs("pairs.csv", 6000, seed: 1), output = File("w2.csv");
        string shard0 = output + ".shards/shard-000000.csv";
        Process run = OtkProcess.Start(["w2", "mnist", "--pairs", pairs, "--out", output]);
        WaitFor(() => System.IO.File.Exists(shard0 + ".done"), run, "a finished shard");
        run.Kill(entireProcessTree: true);
        run.WaitForExit();
        string[] whole = System.IO.File.ReadAllLines(shard0);
        System.IO.File.WriteAllText(shard0, string.Join("\n", whole.Take(999)) + "\n" + whole[999][..5]); // cut mid-row

        OtkRun resumed = OtkProcess.Run(["w2", "mnist", "--pairs", pairs, "--out", output]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("shard 0", resumed.Stderr);
        Assert.Contains("computing it again", resumed.Stderr);
        (int[] first, int[] second, double[]? w2) = PairsCsv.Read(output, 60000, withDistances: true);
        Assert.Equal(6000, first.Length);
        Assert.Equal(System.IO.File.ReadAllLines(pairs).Skip(1), first.Zip(second, (i, j) => $"{i},{j}"));
        Assert.Equal(whole.Select(l => double.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)), w2!.Take(2000));
    }

    [MnistFact]
    public void W2_SecondRunOnTheSameOut_IsRefused_AndTheFirstKeepsItsOwnRows()
    {
        string pairsA = Pairs("a.csv", 4000, seed: 2), pairsB = Pairs("b.csv", 4000, seed: 3), output = File("x.csv");
        Process first = OtkProcess.Start(["w2", "mnist", "--pairs", pairsA, "--out", output]);
        WaitFor(() => System.IO.File.Exists(output + ".lock") && new FileInfo(output + ".lock").Length > 0, first, "the lock");
        OtkRun second = OtkProcess.Run(["w2", "mnist", "--pairs", pairsB, "--out", output]);
        Assert.Equal(2, second.ExitCode);
        Assert.Single(second.Stderr.Trim().Split('\n'));
        Assert.Contains($"pid {first.Id}", second.Stderr);
        OtkRun done = OtkProcess.Wait(first);
        Assert.True(done.ExitCode == 0, done.Stderr);
        Assert.Equal(System.IO.File.ReadAllLines(pairsA).Skip(1), System.IO.File.ReadAllLines(output).Skip(1).Select(l => string.Join(',', l.Split(',').Take(2))));
        Assert.False(System.IO.File.Exists(output + ".lock"));
    }

    [MnistFact]
    public void DwePairs_DamagedOutputs_AreNoticed_AndRedoneOrRefused()
    {
        string dir = File("pairs");
        Assert.Equal(0, OtkProcess.Run(["dwe", "pairs", "--count", "60", "--out", dir]).ExitCode);
        string train = Path.Combine(dir, "train.csv");
        string intact = System.IO.File.ReadAllText(train);
        System.IO.File.WriteAllText(train, intact[..(intact.Length / 3)]);

        OtkRun rerun = OtkProcess.Run(["dwe", "pairs", "--count", "60", "--out", dir]);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Contains("train.csv is damaged", rerun.Stderr);
        Assert.Equal(intact, System.IO.File.ReadAllText(train));
        Assert.Contains("nothing to do", OtkProcess.Run(["dwe", "pairs", "--count", "60", "--out", dir]).Stdout);

        System.IO.File.WriteAllText(Path.Combine(dir, "manifest.json"), "{\"seed\": \"1\", ");
        OtkRun corrupt = OtkProcess.Run(["dwe", "pairs", "--count", "60", "--out", dir]);
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Matches("^otk: .*manifest.json is damaged .*delete it", corrupt.Stderr.Trim());

        OtkRun onFile = OtkProcess.Run(["dwe", "pairs", "--count", "60", "--out", train]);
        Assert.Equal(2, onFile.ExitCode);
        Assert.Contains("is a file", onFile.Stderr);
        Assert.Equal(intact, System.IO.File.ReadAllText(train));
    }
}
