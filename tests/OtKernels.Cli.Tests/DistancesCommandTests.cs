// otk distances: every pair i < j once, with the value computed directly (Euclidean) or the
// same whatever the tiling (W2); the square matrix agrees with the rows; a killed run
// resumes; bad input names the option or the item and exits 2.
using System.Diagnostics;
using System.Globalization;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class DistancesCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-distances-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>n items of the given shape, seeded, written to name.npy.</summary>
    internal static (string Path, double[] Data) Embedding(string directory, string name, int seed, params int[] shape)
    {
        var rng = new Random(seed);
        double[] data = [.. Enumerable.Range(0, shape.Aggregate(1, (x, y) => x * y)).Select(_ => Math.Round(rng.NextDouble() * 2 - 1, 4))];
        string path = Path.Combine(directory, name + ".npy");
        Npy.Write(path, data, shape);
        return (path, data);
    }

    private static Dictionary<(int, int), double> Rows(string csv, string column)
    {
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal($"i,j,{column}", lines[0]);
        var rows = new Dictionary<(int, int), double>();
        foreach (string line in lines.Skip(1))
        {
            string[] cells = line.Split(',');
            rows.Add((int.Parse(cells[0], CultureInfo.InvariantCulture), int.Parse(cells[1], CultureInfo.InvariantCulture)), double.Parse(cells[2], CultureInfo.InvariantCulture));
        }
        return rows;
    }

    [Fact]
    public void Euclidean_WritesEveryPairOnce_AndTheSquareMatrix()
    {
        const int n = 23, d = 3;
        (string embedding, double[] e) = Embedding(_dir, "e", 1, n, d);
        OtkRun run = OtkProcess.Run(["distances", "--embedding", embedding, "--metric", "euclidean", "--tile", "5", "--out", PathOf("d.csv"), "--square", PathOf("d.npy")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains($"{n * (n - 1) / 2} pairs in ", run.Stdout, StringComparison.Ordinal);

        Dictionary<(int, int), double> rows = Rows(PathOf("d.csv"), "euclidean");
        Assert.Equal(n * (n - 1) / 2, rows.Count); // a pair twice would have thrown in Add
        (double[] square, int[] shape) = Npy.ReadDoubles(PathOf("d.npy"));
        Assert.Equal([n, n], shape);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(0, square[i * n + i]);
            for (int j = i + 1; j < n; j++)
            {
                double expected = Math.Sqrt(Enumerable.Range(0, d).Sum(c => (e[i * d + c] - e[j * d + c]) * (e[i * d + c] - e[j * d + c])));
                Assert.True(Math.Abs(rows[(i, j)] - expected) <= 1e-14, $"({i}, {j}): {rows[(i, j)]:R} against {expected:R}");
                Assert.Equal(rows[(i, j)], square[i * n + j]);
                Assert.Equal(rows[(i, j)], square[j * n + i]);
            }
        }
    }

    [Fact]
    public void W2_ValuesDoNotDependOnTheTiling()
    {
        (string embedding, _) = Embedding(_dir, "clouds", 2, 17, 5, 2);
        foreach ((string tile, string output) in new[] { ("3", "small.csv"), ("40", "one.csv") })
        {
            OtkRun run = OtkProcess.Run(["distances", "--embedding", embedding, "--metric", "w2", "--tile", tile, "--threads", "1", "--out", PathOf(output)]);
            Assert.True(run.ExitCode == 0, run.Stderr);
        }
        Assert.Equal(Rows(PathOf("one.csv"), "w2sq"), Rows(PathOf("small.csv"), "w2sq"));
        Assert.NotEqual(File.ReadAllLines(PathOf("one.csv")), File.ReadAllLines(PathOf("small.csv"))); // other tiles, another order
    }

    [Fact]
    public void AKilledRun_ResumesItsTiles()
    {
        (string embedding, _) = Embedding(_dir, "clouds", 3, 400, 8, 2);
        string[] args = ["distances", "--embedding", embedding, "--metric", "w2", "--tile", "40", "--threads", "1", "--out", PathOf("d.csv")];
        Process first = OtkProcess.Start(args);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(PathOf("d.csv.shards/shard-000001.csv.done")) && !first.HasExited && clock.Elapsed.TotalSeconds < 60) Thread.Sleep(10);
        Assert.False(first.HasExited, "the run ended before it could be killed; make it longer");
        first.Kill(entireProcessTree: true);
        first.WaitForExit();

        OtkRun rerun = OtkProcess.Run(args);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Matches(@"\(\d+ resumed from ", rerun.Stdout);
        OtkRun fresh = OtkProcess.Run([.. args[..^1], PathOf("fresh.csv")]);
        Assert.True(fresh.ExitCode == 0, fresh.Stderr);
        Assert.Equal(File.ReadAllBytes(PathOf("fresh.csv")), File.ReadAllBytes(PathOf("d.csv")));
    }

    [Fact]
    public void BadInput_IsNamed_AndExits2()
    {
        (string vectors, double[] data) = Embedding(_dir, "vectors", 4, 6, 4);
        (string clouds, _) = Embedding(_dir, "clouds", 4, 6, 2, 2);
        data[3 * 4 + 1] = double.NaN;
        Npy.Write(PathOf("nan.npy"), data, 6, 4);
        Npy.Write(PathOf("one.npy"), data[..4], 1, 4);
        (string[] Args, string Says)[] cases =
        [
            (["--embedding", vectors, "--metric", "w2"], "[n, points, dimension]"),
            (["--embedding", clouds, "--metric", "sinkhorn"], "needs --epsilon"),
            (["--embedding", clouds, "--metric", "sinkhorn", "--epsilon", "-1"], "--epsilon -1"),
            (["--embedding", clouds, "--metric", "manhattan"], "--metric manhattan: use euclidean, w2, sinkhorn"),
            (["--embedding", PathOf("nan.npy"), "--metric", "euclidean"], "item 3 has a coordinate that is NaN"),
            (["--embedding", PathOf("one.npy"), "--metric", "euclidean"], "need at least 2"),
            (["--embedding", PathOf("absent.npy"), "--metric", "euclidean"], "absent.npy"),
            (["--embedding", vectors, "--metric", "euclidean", "--tile", "-3"], "--tile -3"),
        ];
        foreach ((string[] args, string says) in cases)
        {
            OtkRun run = OtkProcess.Run(["distances", .. args, "--out", PathOf("d.csv")]);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: exit {run.ExitCode}, {run.Stderr}");
            Assert.Contains(says, run.Stderr, StringComparison.Ordinal);
            Assert.Single(run.Stderr.Trim().Split('\n'));
            Assert.False(File.Exists(PathOf("d.csv")));
        }
    }
}
