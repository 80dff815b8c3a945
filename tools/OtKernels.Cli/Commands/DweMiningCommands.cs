// Wasserstein data mining in a DWE embedding (Courty et al. 2018, section 4.2) through
// OtNet.Analysis.EmbeddingAnalysis, each as a PNG beside its L2 (pixel-space) counterpart,
// with the time it took:
//   otk dwe barycenters  per-class means of --count test images (Fig. 3);
//   otk dwe interpolate  between two images, beside the exact displacement interpolation and
//                        the regularised (convolutional) barycenters (Fig. 6);
//   otk dwe pga          the first principal components of classes, at --steps points
//                        within +-2 standard deviations (Fig. 4);
//   otk dwe kmeans       k-means in the embedding, with cluster purity against the labels.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtKernels.Geometry;
using OtKernels.IO;
using OtNet.Analysis;
using OtNet.Models;

namespace OtKernels.Cli.Commands;

internal static class DweMiningCommands
{
    public static IEnumerable<Command> Create() => [Barycenters(), Interpolate(), Pga(), KMeansCommand()];

    /// <summary>The options every mining command takes, and what they load.</summary>
    private sealed class Inputs
    {
        public readonly Option<FileInfo> Model = new("--model") { Description = "A DWE model.", DefaultValueFactory = _ => new FileInfo(CommittedDwe.Model) };
        public readonly Option<string> Split = new("--split") { Description = "train or test.", DefaultValueFactory = _ => "test" };
        public readonly Option<FileInfo> Output = new("--out") { Description = "PNG to write.", Required = true };
        public readonly Option<string?> DataDir = DataDirectoryOption.Create();

        public void AddTo(Command command)
        {
            command.Options.Add(Model);
            command.Options.Add(Split);
            command.Options.Add(Output);
            command.Options.Add(DataDir);
        }

        public (DeepWassersteinEmbedding Model, MnistSplit Images) Load(ParseResult parse)
        {
            FileInfo file = parse.GetValue(Model)!;
            if (!file.Exists) throw new ArgumentException($"--model {file.FullName}: no such file; train one with `otk dwe train`.");
            var (model, _) = DeepWassersteinEmbedding.Load(file.FullName);
            MnistSplit images = MnistStore.Load(MnistStore.DataDirectory(parse.GetValue(DataDir)), parse.GetValue(Split)!);
            if (images.Height != model.Height || images.Width != model.Width)
                throw new ArgumentException($"--model is for {model.Height} x {model.Width} images, the data are {images.Height} x {images.Width}.");
            return (model, images);
        }

        public void Write(ParseResult parse, IReadOnlyList<float[]> frames, MnistSplit images, int columns, string caption)
        {
            // L2 directions and extrapolations can dip below zero; pictures show mass, so clip.
            var clipped = frames.Select(f => f.Select(v => Math.Max(v, 0f)).ToArray()).ToList();
            var (png, width, height) = ImageGrid.Compose(clipped, images.Width, images.Height, columns, scale: 3, caption: caption);
            Png.Write(parse.GetValue(Output)!.FullName, png, width, height);
        }
    }

    /// <summary>The first count images labelled digit, as float32 histograms.</summary>
    private static float[] OfClass(MnistSplit images, int digit, int count)
    {
        if (digit is < 0 or > 9) throw new ArgumentException($"class {digit}: a digit 0..9.");
        int[] chosen = images.OfLabel(digit, count);
        if (chosen.Length < 2) throw new ArgumentException($"class {digit}: {chosen.Length} image(s) in the split; need at least 2.");
        return images.Float32Histograms(chosen);
    }

    private static Command Barycenters()
    {
        var inputs = new Inputs();
        var count = new Option<int>("--count") { Description = "Images per class.", DefaultValueFactory = _ => 1000 };
        var command = new Command("barycenters", "Per-class barycenters in the embedding (top) and in pixel space (bottom).") { count };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var (model, images) = inputs.Load(parse);
            var dwe = new List<float[]>();
            var l2 = new List<float[]>();
            model.Barycenter(OfClass(images, 0, 2)); // compile
            double seconds = 0;
            int used = 0;
            for (int digit = 0; digit < 10; digit++)
            {
                float[] members = OfClass(images, digit, parse.GetValue(count));
                used += members.Length / model.Pixels;
                var clock = Stopwatch.StartNew();
                dwe.Add(model.Barycenter(members));
                seconds += clock.Elapsed.TotalSeconds;
                l2.Add(EmbeddingAnalysis.Mean(members, model.Pixels));
            }
            Console.WriteLine($"DWE barycenters of {used} images in 10 classes: {1e3 * seconds / 10:F1} ms per class (embedding, mean, decoding)");
            inputs.Write(parse, [.. dwe, .. l2], images, 10, "DWE barycenters (top), L2 means (bottom)");
            return 0;
        }));
        return command;
    }

    private static Command Interpolate()
    {
        var inputs = new Inputs();
        var from = new Option<int>("--from") { Description = "Index of the first image.", Required = true };
        var to = new Option<int>("--to") { Description = "Index of the last image.", Required = true };
        var steps = new Option<int>("--steps") { Description = "Images per row, ends included.", DefaultValueFactory = _ => 7 };
        var command = new Command("interpolate", "Rows DWE, exact (displacement), regularised (convolutional) and L2 between two images.") { from, to, steps };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var (model, images) = inputs.Load(parse);
            int i = parse.GetValue(from), j = parse.GetValue(to), count = parse.GetValue(steps);
            foreach ((string option, int index) in new[] { ("--from", i), ("--to", j) })
                if (index < 0 || index >= images.Count) throw new ArgumentException($"{option} {index}: outside 0..{images.Count - 1} of the split.");
            if (count < 2) throw new ArgumentException($"--steps {count}: at least 2.");
            int pixels = model.Pixels;
            double[] times = Enumerable.Range(0, count).Select(s => s / (count - 1.0)).ToArray();
            float[] ends = images.Float32Histograms([i, j]);
            double[] a = images.Histograms([i]), b = images.Histograms([j]);
            var grid = new ImageGridCost(images.Height, images.Width);
            var rows = new List<float[]>();
            var report = new List<string>();
            foreach (string method in (string[])["dwe", "exact", "convolutional", "l2"])
            {
                Func<IEnumerable<float[]>> run = method == "dwe"
                    ? () => model.Interpolation(ends.AsSpan(0, pixels), ends.AsSpan(pixels), times).Chunk(pixels)
                    : () => InterpolationMethod.Frames(method, a, b, times, grid, 1e-3 * grid.MaxCost()).Select(f => f.Select(v => (float)v).ToArray());
                run(); // compile
                var clock = Stopwatch.StartNew();
                rows.AddRange(run());
                report.Add($"{method} {1e3 * clock.Elapsed.TotalSeconds:F1} ms");
            }
            Console.WriteLine($"interpolation {i} -> {j}, {count} steps: {string.Join(", ", report)}");
            inputs.Write(parse, rows, images, count, "DWE, exact, convolutional, L2");
            return 0;
        }));
        return command;
    }

    private static Command Pga()
    {
        var inputs = new Inputs();
        var classes = new Option<string>("--classes") { Description = "Comma-separated digits.", DefaultValueFactory = _ => "0,1,4" };
        var components = new Option<int>("--components") { Description = "Principal components per class.", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "Points along each component, within +-2 standard deviations.", DefaultValueFactory = _ => 7 };
        var count = new Option<int>("--count") { Description = "Images per class.", DefaultValueFactory = _ => 1000 };
        var command = new Command("pga", "Principal geodesics: per class and component, DWE rows then L2 rows.") { classes, components, steps, count };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var (model, images) = inputs.Load(parse);
            int[] digits = parse.GetValue(classes)!.Split(',').Select(s => int.TryParse(s, out int d) ? d : throw new ArgumentException($"--classes: '{s}' is not a digit.")).ToArray();
            int k = parse.GetValue(components), n = parse.GetValue(steps);
            if (k < 1 || k > model.EmbeddingSize) throw new ArgumentException($"--components {k}: between 1 and {model.EmbeddingSize}.");
            if (n < 2) throw new ArgumentException($"--steps {n}: at least 2.");
            double[] offsets = Enumerable.Range(0, n).Select(s => -2 + 4.0 * s / (n - 1)).ToArray();
            var rows = new List<float[]>();
            double dweSeconds = 0, l2Seconds = 0;
            foreach (int digit in digits)
            {
                float[] members = OfClass(images, digit, parse.GetValue(count));
                var clock = Stopwatch.StartNew();
                rows.AddRange(model.PrincipalGeodesics(members, k, offsets).Chunk(model.Pixels));
                dweSeconds += clock.Elapsed.TotalSeconds;
                clock.Restart();
                rows.AddRange(PrincipalComponents.Of(members, model.Pixels, k).Points(k, offsets).Chunk(model.Pixels));
                l2Seconds += clock.Elapsed.TotalSeconds;
            }
            Console.WriteLine($"principal geodesics of classes {string.Join(",", digits)}, {k} components: DWE {dweSeconds:F2} s, L2 {l2Seconds:F2} s");
            inputs.Write(parse, rows, images, n, "per class: DWE components, then L2 components");
            return 0;
        }));
        return command;
    }

    private static Command KMeansCommand()
    {
        var inputs = new Inputs();
        var k = new Option<int>("--k") { Description = "Clusters.", DefaultValueFactory = _ => 10 };
        var count = new Option<int>("--count") { Description = "Images (the first of the split).", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "Seed of k-means++.", DefaultValueFactory = _ => 1 };
        var command = new Command("kmeans", "Wasserstein k-means in the embedding beside k-means in pixel space; purity and centroids.") { k, count, seed };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var (model, images) = inputs.Load(parse);
            int clusters = parse.GetValue(k), n = Math.Min(parse.GetValue(count), images.Count);
            if (clusters < 1 || clusters > n) throw new ArgumentException($"--k {clusters}: between 1 and the {n} images.");
            int[] labels = images.Labels.Take(n).Select(l => (int)l).ToArray();
            float[] members = images.Float32Histograms(Enumerable.Range(0, n).ToArray());
            var clock = Stopwatch.StartNew();
            var (inEmbedding, dweCentroids) = model.KMeans(members, clusters, parse.GetValue(seed));
            double dweSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            KMeans inPixels = KMeans.Fit(members, model.Pixels, clusters, parse.GetValue(seed));
            double l2Seconds = clock.Elapsed.TotalSeconds;
            double dwePurity = KMeans.Purity(inEmbedding.Assignment, labels), l2Purity = KMeans.Purity(inPixels.Assignment, labels);
            Console.WriteLine($"k-means, k = {clusters}, {n} images: DWE purity {dwePurity:F4} ({inEmbedding.Iterations} iterations, {dweSeconds:F2} s with the embedding), "
                              + $"L2 purity {l2Purity:F4} ({inPixels.Iterations} iterations, {l2Seconds:F2} s)");
            var rows = new List<float[]>();
            rows.AddRange(dweCentroids.Chunk(model.Pixels));
            rows.AddRange(inPixels.Centroids.Chunk(model.Pixels));
            inputs.Write(parse, rows, images, clusters, $"centroids: DWE purity {dwePurity:F3} (top), L2 {l2Purity:F3} (bottom)");
            return 0;
        }));
        return command;
    }
}
