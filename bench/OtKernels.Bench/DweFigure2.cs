// `dwe-figure2`: the throughput table of Courty et al. 2018, Fig. 2, in one run: W2^2
// computations per second by the exact network simplex, by DWE "Indep" (embed both images of
// each pair, then the distance) and by DWE "Pairwise" (embed two sets once, then all their
// pairwise distances); on one CPU core (a child process pinned to core 0, so that every
// thread it makes inherits the pin), on all cores, and for Pairwise's distances on a GPU
// when the accelerator finds one. Images are MNIST test images; the embedding model is any
// DWE model (its weights do not change the cost).
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OtKernels.Accelerators;
using OtKernels.Data;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.IO;
using OtNet.Models;

namespace OtKernels.Bench;

internal static class DweFigure2
{
    /// <summary>The paper's Fig. 2 (pairs per second): LP; Indep 1 CPU, GPU; Pairwise 1 CPU, GPU.</summary>
    private static readonly (string Method, string OneCpu, string Gpu)[] Paper =
        [("network simplex (LP)", "192", "-"), ("DWE Indep", "3,633", "233,981"), ("DWE Pairwise", "213,384", "10,477,901")];

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A DWE model (default: the committed one, from the repository root).", DefaultValueFactory = _ => new FileInfo("models/dwe-mnist.safetensors") };
        var lpPairs = new Option<int>("--lp-pairs") { Description = "Pairs solved exactly.", DefaultValueFactory = _ => 400 };
        var indepPairs = new Option<int>("--indep-pairs") { Description = "Pairs embedded independently.", DefaultValueFactory = _ => 4000 };
        var sets = new Option<int>("--set-size") { Description = "Images in each of the two sets of Pairwise (N: N^2 distances).", DefaultValueFactory = _ => 2000 };
        var cores = new Option<int>("--cores") { Description = "Pin this process to the first N cores and print its numbers as JSON (used by the one-core run).", DefaultValueFactory = _ => 0, Hidden = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (default: $OTK_DATA, else ~/.cache/otkernels)." };
        var command = new Command("dwe-figure2", "W2^2 per second: network simplex, DWE Indep and Pairwise, on one core, all cores and a GPU.")
            { model, lpPairs, indepPairs, sets, cores, dataDir };
        command.SetAction(parse =>
        {
            var setup = new Setup(parse.GetValue(model)!, parse.GetValue(lpPairs), parse.GetValue(indepPairs), parse.GetValue(sets), parse.GetValue(dataDir));
            int pinned = parse.GetValue(cores);
            if (pinned > 0)
            {
                if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
                    Process.GetCurrentProcess().ProcessorAffinity = (nint)((1L << Math.Min(pinned, Environment.ProcessorCount)) - 1);
                else throw new PlatformNotSupportedException("--cores needs Linux or Windows (processor affinity).");
                Console.WriteLine(JsonSerializer.Serialize(Measure(setup, null), Json));
                return 0;
            }
            Rates one = OneCore(setup);
            using Accelerator accelerator = Accelerator.Create(AcceleratorKind.Auto);
            Rates all = Measure(setup, accelerator as DeviceAccelerator);
            string Rate(double r) => double.IsNaN(r) ? "-" : $"{r:N0}";
            Console.WriteLine($"W2^2 per second on MNIST test images ({Environment.ProcessorCount} cores here; GPU: {(accelerator is DeviceAccelerator ? accelerator.ToString() : "none")})");
            Console.WriteLine("| method | 1 core | all cores | GPU | paper 1 CPU | paper GPU |");
            Console.WriteLine("|---|---|---|---|---|---|");
            Console.WriteLine($"| {Paper[0].Method} | {Rate(one.Lp)} | {Rate(all.Lp)} | - | {Paper[0].OneCpu} | {Paper[0].Gpu} |");
            Console.WriteLine($"| {Paper[1].Method} | {Rate(one.Indep)} | {Rate(all.Indep)} | - | {Paper[1].OneCpu} | {Paper[1].Gpu} |");
            Console.WriteLine($"| {Paper[2].Method} | {Rate(one.Pairwise)} | {Rate(all.Pairwise)} | {Rate(all.PairwiseGpu)} | {Paper[2].OneCpu} | {Paper[2].Gpu} |");
            Console.WriteLine("(Indep and Pairwise embed on the CPU; the GPU column computes Pairwise's N^2 distances there.)");
            return 0;
        });
        return command;
    }

    private sealed record Setup(FileInfo Model, int LpPairs, int IndepPairs, int SetSize, string? DataDirectory);

    /// <summary>Pairs per second of each method; NaN where not measured.</summary>
    private sealed record Rates(double Lp, double Indep, double Pairwise, double PairwiseGpu);

    /// <summary>The same command in a child process pinned to core 0.</summary>
    private static Rates OneCore(Setup setup)
    {
        string[] arguments = ["--model", setup.Model.FullName, "--lp-pairs", $"{setup.LpPairs}", "--indep-pairs", $"{setup.IndepPairs}", "--set-size", $"{setup.SetSize}",
            .. setup.DataDirectory is { } data ? (string[])["--data-dir", data] : []];
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("OtKernels.Bench", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(DweFigure2).Assembly.Location); // run as `dotnet OtKernels.Bench.dll`
        foreach (string a in (string[])["dwe-figure2", .. arguments, "--cores", "1"]) start.ArgumentList.Add(a);
        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd(), errors = child.StandardError.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"The one-core run failed ({child.ExitCode}): {errors.Trim()}");
        return JsonSerializer.Deserialize<Rates>(output.Trim().Split('\n')[^1], Json)!;
    }

    private static Rates Measure(Setup setup, DeviceAccelerator? gpu)
    {
        if (!setup.Model.Exists) throw new ArgumentException($"--model {setup.Model.FullName}: no such file.");
        if (setup.LpPairs < 1 || setup.IndepPairs < 1 || setup.SetSize < 1) throw new ArgumentException("--lp-pairs, --indep-pairs and --set-size must be positive.");
        var (dwe, _) = DeepWassersteinEmbedding.Load(setup.Model.FullName);
        MnistSplit images = MnistStore.Load(MnistStore.DataDirectory(setup.DataDirectory), "test");
        float[] histograms = images.Float32Histograms();
        int pixels = dwe.Pixels;
        if (images.Height * images.Width != pixels) throw new ArgumentException($"--model is for {dwe.Height} x {dwe.Width} images.");
        (int[] first, int[] second) = images.RandomPairs(Math.Max(setup.LpPairs, setup.IndepPairs), seed: 7);

        // LP: every pair solved exactly, in parallel over pairs (one solver per core).
        var a = new double[setup.LpPairs * pixels];
        var b = new double[setup.LpPairs * pixels];
        for (int k = 0; k < setup.LpPairs; k++)
            for (int p = 0; p < pixels; p++)
            {
                a[k * pixels + p] = histograms[first[k] * pixels + p];
                b[k * pixels + p] = histograms[second[k] * pixels + p];
            }
        var cost = new ImageGridCost(images.Height, images.Width);
        var emd = new EmdOptions { Normalize = true };
        NetworkSimplex.SolveBatch(a.AsMemory(0, pixels), b.AsMemory(0, pixels), cost, emd); // compile
        double lp = Rate(setup.LpPairs, () => NetworkSimplex.SolveBatch(a, b, cost, emd));

        // Indep: per batch of 100 pairs, embed the 200 images, then the 100 distances.
        const int batch = 100;
        int e = dwe.EmbeddingSize;
        var inputs = new float[2 * batch * pixels];
        void Indep(int count)
        {
            for (int start = 0; start < count; start += batch)
            {
                int length = Math.Min(batch, count - start);
                for (int k = 0; k < length; k++)
                {
                    histograms.AsSpan(first[start + k] * pixels, pixels).CopyTo(inputs.AsSpan(k * pixels));
                    histograms.AsSpan(second[start + k] * pixels, pixels).CopyTo(inputs.AsSpan((length + k) * pixels));
                }
                float[] z = dwe.Embed(inputs.AsSpan(0, 2 * length * pixels), 2 * length);
                double sink = 0;
                for (int k = 0; k < length; k++) sink += OtNet.Losses.DweLoss.SquaredDistance(z.AsSpan(k * e, e), z.AsSpan((length + k) * e, e));
                GC.KeepAlive(sink);
            }
        }
        Indep(batch); // compile
        double indep = Rate(setup.IndepPairs, () => Indep(setup.IndepPairs));

        // Pairwise: two sets of N images embedded once, then the N^2 distances.
        int n = Math.Min(setup.SetSize, images.Count / 2);
        float[] setA = histograms[..(n * pixels)], setB = histograms[(n * pixels)..(2 * n * pixels)];
        void Pairwise(Accelerator where) => PairwiseDistances.SquaredEuclidean(where, dwe.Embed(setA), dwe.Embed(setB), e);
        using var cpu = new CpuAccelerator();
        Pairwise(cpu); // compile
        double pairwise = Rate((long)n * n, () => Pairwise(cpu));
        double pairwiseGpu = double.NaN;
        if (gpu is not null)
        {
            Pairwise(gpu);
            pairwiseGpu = Rate((long)n * n, () => Pairwise(gpu));
        }
        return new Rates(lp, indep, pairwise, pairwiseGpu);
    }

    /// <summary>items per second of the fastest of three runs of work.</summary>
    private static double Rate(long items, Action work) => items / Timing.Fastest(work, runs: 3, warm: false);
}
