// otk interpolate: a row of --steps images from MNIST image I to image J, by one of four
// methods (Courty et al. 2018, Fig. 6): l2 (the pixel-wise mix (1 - t) a + t b), exact (the
// displacement interpolation of the network simplex plan), bregman or convolutional (the
// entropic barycenter of a and b with weights (1 - t, t)). Writes a captioned PNG and
// prints the time per interpolation.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtKernels.Geometry;

namespace OtKernels.Cli.Commands;

internal static class InterpolateCommand
{
    public static Command Create()
    {
        var from = new Option<int>("--from") { Description = "Index of the first image.", Required = true };
        var to = new Option<int>("--to") { Description = "Index of the last image.", Required = true };
        var steps = new Option<int>("--steps") { Description = "Images in the row, ends included.", DefaultValueFactory = _ => 7 };
        var method = new Option<string>("--method") { Description = "l2, exact, bregman or convolutional.", DefaultValueFactory = _ => "exact" };
        var epsilon = new Option<double>("--epsilon") { Description = "eps in px^2 for bregman and convolutional (default 1e-3 of the largest cost).", DefaultValueFactory = _ => double.NaN };
        var split = new Option<string>("--split") { Description = "train or test.", DefaultValueFactory = _ => "test" };
        var output = new Option<FileInfo>("--out") { Description = "PNG of the row.", Required = true };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("interpolate", "Interpolate between two MNIST images.") { from, to, steps, method, epsilon, split, output, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            MnistSplit images = MnistStore.Load(MnistStore.DataDirectory(parse.GetValue(dataDir)), parse.GetValue(split)!);
            int i = parse.GetValue(from), j = parse.GetValue(to), count = parse.GetValue(steps);
            foreach ((string option, int index) in new[] { ("--from", i), ("--to", j) })
                if (index < 0 || index >= images.Count) throw new ArgumentException($"{option} {index}: outside 0..{images.Count - 1} of the split.");
            if (count < 2) throw new ArgumentException($"--steps {count}: at least 2.");
            double[] a = images.Histograms([i]), b = images.Histograms([j]);
            double[] times = Enumerable.Range(0, count).Select(s => s / (count - 1.0)).ToArray();
            var grid = new ImageGridCost(images.Height, images.Width);
            double eps = double.IsNaN(parse.GetValue(epsilon)) ? 1e-3 * grid.MaxCost() : parse.GetValue(epsilon);
            string name = parse.GetValue(method)!.ToLowerInvariant();
            double[][] Interpolate() => InterpolationMethod.Frames(name, a, b, times, grid, eps);
            // Timed twice: the first call includes compiling the code it runs (otk runs without
            // tiered compilation), the second is what each further interpolation costs.
            var clock = Stopwatch.StartNew();
            Interpolate();
            double first = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            double[][] frames = Interpolate();
            double warm = clock.Elapsed.TotalMilliseconds;
            Console.WriteLine($"{name} interpolation {i} -> {j}, {count} steps: {warm:F1} ms ({first:F1} ms the first time, code compilation included)");
            var (png, width, height) = ImageGrid.Compose(frames.Select(f => f.Select(v => (float)v).ToArray()).ToList(), images.Width, images.Height,
                count, scale: 3, caption: $"{name} {i} to {j}");
            Png.Write(parse.GetValue(output)!.FullName, png, width, height);
            return 0;
        }));
        return command;
    }
}
