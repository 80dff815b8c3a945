// The CLI's error contract under generated bad input: every case exits 2 with exactly one
// line on stderr, "otk: ...", and no stack frame ("   at "). The cases combine each command
// with one fault: an unknown, missing or unparsable option, a value out of range, a damaged
// or mistyped input file (bad .npy headers among them), or an output path that cannot be
// written. Before this suite about a dozen of them ended in a stack trace, and usage errors
// exited 1, the code the README reserves for a failed computation.
using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Cli.Tests;

public sealed class BadInputFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("otk-bad-").FullName;

    public BadInputFiles()
    {
        Write("a.csv", "0.2\n0.2\n0.2\n0.2\n0.2\n");
        Write("b.csv", "0.25\n0.25\n0.25\n0.25\n");
        Write("x.csv", "0.1,0.2\n0.5,0.9\n0.3,0.3\n0.8,0.1\n0.6,0.6\n");
        Write("y.csv", "0.15,0.7\n0.4,0.2\n0.9,0.9\n0.2,0.5\n");
        Write("c.csv", string.Concat(Enumerable.Repeat("1,2,3,4\n", 5)));
        Write("nan.csv", "0.2\nNaN\n0.2\n0.2\n0.2\n");
        Write("neg.csv", "0.6\n-0.2\n0.2\n0.2\n0.2\n");
        Write("ragged.csv", "0.1,0.2\n0.5\n0.3,0.3\n0.8,0.1\n0.6,0.6\n");
        Write("fused.csv", "i,j\n1,2\n3,45,6\n");
        Write("text.csv", "hello\nworld\n");
        Write("empty.csv", "");
        Write("huge.csv", "1e308\n1e308\n1e308\n1e308\n1e308\n");
        Write("far.csv", "1e160,0\n0,1e160\n1,1\n2,2\n3,3\n");
        Write("unequal.csv", "0.5\n0.5\n0.5\n0.5\n");
        Write("plain.txt", "x");
        Directory.CreateDirectory(Path.Combine(Dir, "dir"));
        System.IO.File.WriteAllBytes(Path.Combine(Dir, "garbage.npy"), Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray());
        Npy("cut.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 40, headerLengthLie: 4000);
        Npy("longshape.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3000000000,), }", 0);
        Npy("zerod.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8);
        Npy("threed.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2, 2), }", 160);
        Npy("bigendian.npy", "{'descr': '>f8', 'fortran_order': False, 'shape': (5,), }", 40);
        Npy("fortran.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (5, 2), }", 80);
        Npy("short.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 16);
        Npy("noshape.npy", "{'descr': '<f8', 'fortran_order': False, }", 40);
    }

    public string this[string name] => Path.Combine(Dir, name);

    private void Write(string name, string text) => System.IO.File.WriteAllText(this[name], text);

    /// <summary>A version-1 .npy with the given header and payload size; headerLengthLie
    /// replaces the stored header length (a file cut inside its header).</summary>
    private void Npy(string name, string header, int payloadBytes, int headerLengthLie = -1) =>
        Npy(name, header, new byte[payloadBytes], headerLengthLie);

    public void Npy(string name, string header, byte[] payload, int headerLengthLie = -1)
    {
        string padded = header + new string(' ', (64 - (10 + header.Length + 1) % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)(headerLengthLie >= 0 ? headerLengthLie : padded.Length));
        bytes.AddRange(length);
        bytes.AddRange(Encoding.Latin1.GetBytes(padded));
        bytes.AddRange(payload);
        System.IO.File.WriteAllBytes(this[name], bytes.ToArray());
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class BadInputTests(BadInputFiles files) : IClassFixture<BadInputFiles>
{
    /// <summary>A command line with one fault, and what the fault is (for the failure message).</summary>
    public sealed record Case(string Fault, string[] Args)
    {
        public override string ToString() => $"{Fault}: otk {string.Join(' ', Args)}";
    }

    private string[] Emd(params string[] extra) =>
        ["emd", "--a", files["a.csv"], "--b", files["b.csv"], "--x", files["x.csv"], "--y", files["y.csv"], .. extra];

    private string[] Sinkhorn(params string[] extra) =>
        ["sinkhorn", "--a", files["a.csv"], "--b", files["b.csv"], "--x", files["x.csv"], "--y", files["y.csv"], "--epsilon", "0.1", .. extra];

    private static string[] Replace(string[] args, string option, string value)
    {
        int at = Array.IndexOf(args, option);
        return at < 0 ? [.. args, option, value] : [.. args[..(at + 1)], value, .. args[(at + 2)..]];
    }

    private static string[] Without(string[] args, string option)
    {
        int at = Array.IndexOf(args, option);
        return [.. args[..at], .. args[(at + 2)..]];
    }

    /// <summary>One case of each fault that is not a file or a garbage value.</summary>
    private Case[] FixedCases() =>
    [
        new("unknown option", Emd("--bogus", "1")),
        new("missing --b", Without(Emd(), "--b")),
        new("no command", []),
        new("unknown command", ["transport"]),
        new("--cost with --x", Emd("--cost", files["c.csv"])),
        new("no cost", Without(Without(Emd(), "--x"), "--y")),
        new("unknown metric", Emd("--metric", "cosine")),
        new("negative pivot limit", Emd("--max-iterations", "-1")),
        new("masses 1e308", Replace(Replace(Emd(), "--a", files["huge.csv"]), "--b", files["huge.csv"])),
        new("points 1e160", Replace(Emd(), "--x", files["far.csv"])),
        new("unequal masses", Replace(Emd(), "--b", files["unequal.csv"])),
        new("epsilon 0", Replace(Sinkhorn(), "--epsilon", "0")),
        new("epsilon -1", Replace(Sinkhorn(), "--epsilon", "-1")),
        new("epsilon NaN", Replace(Sinkhorn(), "--epsilon", "NaN")),
        new("tolerance -1", Sinkhorn("--tolerance", "-1")),
        new("scaling 1.5", Sinkhorn("--epsilon-scaling", "1.5")),
        new("over-relaxation 3", Sinkhorn("--over-relaxation", "3")),
        new("iterations 0", Sinkhorn("--iterations", "0")),
        new("unknown mode", Sinkhorn("--mode", "fast")),
        new("w2 threads 0", ["w2", "mnist", "--pairs", files["fused.csv"], "--threads", "0", "--out", Path.Combine(files.Dir, "w.csv")]),
        new("dwe pairs count 1", ["dwe", "pairs", "--count", "1", "--out", Path.Combine(files.Dir, "p")]),
        new("dwe pairs bad fractions", ["dwe", "pairs", "--fractions", "0.5,0.6", "--out", Path.Combine(files.Dir, "p")]),
        new("dwe train no pairs", ["dwe", "train", "--pairs", Path.Combine(files.Dir, "none"), "--out", Path.Combine(files.Dir, "run")]),
        new("dwe eval missing model", ["dwe", "eval", "--model", files["missing.csv"], "--pairs", files["fused.csv"]]),
        new("barycenter class 11", ["barycenter", "--class", "11", "--out", Path.Combine(files.Dir, "b.png")]),
        new("interpolate bad method", ["interpolate", "--from", "0", "--to", "1", "--method", "cubic", "--out", Path.Combine(files.Dir, "i.png")]),
        new("gpu check unknown kind", ["gpu", "check", "--kind", "tpu"]),
        new("data dir is a file", ["data", "mnist", "--data-dir", files["plain.txt"]]),
        new("data dir under a file", ["data", "mnist", "--data-dir", Path.Combine(files["plain.txt"], "sub")]),
        new("train out is a file", ["train", "mnist-classifier", "--epochs", "1", "--out", files["plain.txt"]]),
        new("dwe train out is a file", ["dwe", "train", "--pairs", files.Dir, "--out", files["plain.txt"]]),
        new("bench negative pairs", ["bench", "kernels", "--accelerator", "cpu", "--pairs", "-4"]),
    ];

    private Gen<Case> Cases()
    {
        string[] garbage = ["abc", "", "1e", "--", "0x10", "NaN?", "١٢", "1.5.2", "1,5"];
        string[] inputFiles = ["nan.csv", "neg.csv", "ragged.csv", "text.csv", "empty.csv", "garbage.npy", "cut.npy", "longshape.npy",
            "zerod.npy", "threed.npy", "bigendian.npy", "fortran.npy", "short.npy", "noshape.npy", "dir", "missing.csv", "plain.txt"];
        // As root nothing is unwritable by permission; /proc takes no new files for anyone.
        string[] badOutputs = [files["dir"], Path.Combine(files["plain.txt"], "out.npy"), Path.Combine(files.Dir, "no", "such", "out.npy"), "/proc/otk-out.npy"];
        return Gen.OneOf(
            Gen.Elements(FixedCases()),
            from option in Gen.Elements("--max-iterations", "--p")
            from value in Gen.Elements(garbage)
            select new Case($"{option} '{value}'", Emd(option, value)),
            from option in Gen.Elements("--epsilon", "--iterations", "--tolerance", "--epsilon-scaling", "--over-relaxation")
            from value in Gen.Elements(garbage)
            select new Case($"{option} '{value}'", Replace(Sinkhorn(), option, value)),
            from command in Gen.Elements(true, false)
            from option in Gen.Elements("--a", "--b", "--x", "--y")
            from file in Gen.Elements(inputFiles)
            select new Case($"{option} {file}", Replace(command ? Emd() : Sinkhorn(), option, files[file])),
            from target in Gen.Elements(badOutputs)
            select new Case($"--plan {target}", Emd("--plan", target)),
            // A prefix names files PREFIX_u.npy ...: a directory as prefix is fine, the others are not.
            from prefix in Gen.Elements(badOutputs[1..])
            from duals in Gen.Elements(true, false)
            select duals ? new Case($"--duals {prefix}", Emd("--duals", prefix)) : new Case($"--potentials {prefix}", Sinkhorn("--potentials", prefix)));
    }

    [Fact]
    public void EveryFixedFault_ExitsTwo_WithOneLine_AndNoStackTrace()
    {
        foreach (Case c in FixedCases()) Refused(c);
    }

    private static void Refused(Case c)
    {
        OtkRun run = OtkProcess.Run(c.Args);
        string[] lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(run.ExitCode == 2 && lines.Length == 1 && lines[0].StartsWith("otk: ") && !run.Stderr.Contains("   at "),
            $"{c}\nexit {run.ExitCode}, stderr:\n{run.Stderr}");
    }

    [Fact]
    public void GeneratedBadInput_ExitsTwo_WithOneLine_AndNoStackTrace() =>
        Prop.ForAll(Cases().ToArbitrary(), Refused).Check(Config.QuickThrowOnFailure.WithMaxTest(120));

    [Fact]
    public void Messages_NameTheFlag_NotTheLibraryProperty()
    {
        foreach ((string[] args, string flag) in new[]
        {
            (Replace(Sinkhorn(), "--epsilon", "0"), "--epsilon must be positive"),
            (Sinkhorn("--epsilon-scaling", "2"), "--epsilon-scaling must be"),
            (Sinkhorn("--iterations", "0"), "--max-iterations must be at least 1"),
            (Replace(Emd(), "--b", files["unequal.csv"]), "or pass --normalize"),
            (Replace(Sinkhorn(), "--epsilon", "1,5"), "--epsilon '1,5': write numbers with a decimal point"), // was read as 15
        })
        {
            OtkRun run = OtkProcess.Run(args);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains(flag, run.Stderr);
        }
    }

    [Fact]
    public void OutputErrors_NameTheTarget_NotTheTemporaryFile()
    {
        string underFile = Path.Combine(files["plain.txt"], "P.npy"), missing = Path.Combine(files.Dir, "nope", "P.npy");
        foreach (string target in new[] { files["dir"], underFile, missing, "/proc/otk-P.npy" })
        {
            OtkRun run = OtkProcess.Run(Emd("--plan", target));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains(target, run.Stderr);
            Assert.DoesNotContain(".tmp", run.Stderr);
        }
        Assert.False(Directory.Exists(Path.Combine(files.Dir, "nope")));
    }

    [Fact]
    public void Float32Masses_AreAccepted_ByEmdAsBySinkhorn()
    {
        // 1/5 in float32 sums to 1.0000000149: within (n + m) x 2^-24 of the float64 target.
        files.Npy("a32.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }",
            Enumerable.Range(0, 5).SelectMany(_ => BitConverter.GetBytes(0.2f)).ToArray());
        string a32 = files["a32.npy"];
        Assert.Equal(0, OtkProcess.Run(Replace(Emd(), "--a", a32)).ExitCode);
        Assert.Equal(0, OtkProcess.Run(Replace(Sinkhorn(), "--a", a32)).ExitCode);
    }

    [Fact]
    public void Emd_RefusesABadOutputBeforeTheSolve_AndNamesThePlanFormat()
    {
        OtkRun run = OtkProcess.Run(Emd("--duals", Path.Combine(files.Dir, "none", "d")));
        Assert.Equal(2, run.ExitCode); // refused before the solve: nothing computed is lost
        Assert.Equal("", run.Stdout);
        OtkRun ok = OtkProcess.Run(Emd("--plan", Path.Combine(files.Dir, "P.npy")));
        Assert.Contains("\"plan_format\":\"dense\"", ok.Stdout);
    }

    [Fact]
    public void Emd_WritesALargeSparsePlan_AsTriplets()
    {
        // 8200 x 8200 bins (67 M entries, over the dense limit) of which three carry mass.
        int n = 8200;
        var rng = new Random(3);
        string Vector(int[] support) => string.Join("\n", Enumerable.Range(0, n).Select(i => support.Contains(i) ? "0.3333333333333333333" : "0"));
        System.IO.File.WriteAllText(Path.Combine(files.Dir, "sa.csv"), Vector([5, 100, 8000]));
        System.IO.File.WriteAllText(Path.Combine(files.Dir, "sb.csv"), Vector([0, 4000, 8199]));
        System.IO.File.WriteAllText(Path.Combine(files.Dir, "sx.csv"), string.Join("\n", Enumerable.Range(0, n).Select(_ => rng.NextDouble().ToString("R"))));
        string plan = Path.Combine(files.Dir, "sparse.npy");
        OtkRun run = OtkProcess.Run(["emd", "--a", Path.Combine(files.Dir, "sa.csv"), "--b", Path.Combine(files.Dir, "sb.csv"),
            "--x", Path.Combine(files.Dir, "sx.csv"), "--y", Path.Combine(files.Dir, "sx.csv"), "--plan", plan, "--duals", Path.Combine(files.Dir, "sd")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("\"plan_format\":\"coo\"", run.Stdout);
        (double[] triplets, int[] shape) = Npy.ReadDoubles(plan);
        Assert.Equal(3, shape[1]);
        Assert.Equal(1.0, Enumerable.Range(0, shape[0]).Sum(k => triplets[3 * k + 2]), 12);
        Assert.Equal([n], Npy.ReadDoubles(Path.Combine(files.Dir, "sd_u.npy")).Shape);
    }
}
