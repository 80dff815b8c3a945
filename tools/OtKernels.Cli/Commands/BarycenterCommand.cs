// otk barycenter: the entropic Wasserstein barycenter of the first --count MNIST images of
// one class, by Bregman projections (in the kernel domain by the grid's separable blurs,
// or --domain log) or convolutions (Solomon et al.), written as a PNG (and optionally
// .npy); prints the time it took, the iterations, the final spread and the domain. The defaults are those of the comparison with POT in
// docs/PERFORMANCE.md: eps = 1e-3 of the largest cost (1.458 px^2), POT's stopping rule.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Accelerators;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class BarycenterCommand
{
    public static Command Create()
    {
        var digit = new Option<int>("--class") { Description = "The digit 0..9.", Required = true };
        var count = new Option<int>("--count") { Description = "How many images of the class (the first ones of the split).", DefaultValueFactory = _ => 1000 };
        var method = new Option<string>("--method") { Description = "bregman or convolutional.", DefaultValueFactory = _ => "convolutional" };
        var epsilon = new Option<double>("--epsilon") { Description = "eps in px^2 (default 1e-3 of the largest cost, 1.458 on 28 x 28).", DefaultValueFactory = _ => double.NaN };
        var tolerance = new Option<double>("--tolerance") { Description = "Stop when sum_pixels std_k of the plans' marginals < this (POT's stopThr).", DefaultValueFactory = _ => 1e-4 };
        var iterations = new Option<int>("--max-iterations") { Description = "Iteration limit.", DefaultValueFactory = _ => 1000 };
        var split = new Option<string>("--split") { Description = "train or test.", DefaultValueFactory = _ => "train" };
        var output = new Option<FileInfo>("--out") { Description = "PNG of the barycenter.", Required = true };
        var npy = new Option<FileInfo?>("--npy") { Description = "Also write the barycenter [28, 28] as float64 .npy." };
        var domain = new Option<string>("--domain") { Description = "Where bregman iterates: auto (the kernel domain where eps allows), kernel or log.", DefaultValueFactory = _ => "auto" };
        var omega = new Option<double>("--over-relaxation")
        {
            Description = "Over-relaxation omega in [1, 2) of bregman's scalings: the same barycenter in fewer iterations (1,000 threes: 82 at 1.75 "
                          + "against 492); 1 = POT's iteration.",
            DefaultValueFactory = _ => 1,
        };
        var accelerator = AcceleratorOption.Create("Where bregman runs");
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("barycenter", "Entropic Wasserstein barycenter of MNIST images of one class.")
            { digit, count, method, epsilon, tolerance, iterations, split, output, npy, domain, omega, accelerator, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string named = parse.GetValue(domain)!;
            BarycenterDomain where = Enum.TryParse(named, ignoreCase: true, out BarycenterDomain d) && Enum.IsDefined(d) && !int.TryParse(named, out _) ? d
                : throw new ArgumentException($"--domain {named}: use auto, kernel or log.");
            string name = parse.GetValue(method)!.ToLowerInvariant();
            double relaxation = parse.GetValue(omega);
            if (!(relaxation >= 1 && relaxation < 2)) throw new ArgumentException($"--over-relaxation {relaxation}: use a value in [1, 2) (1 = POT's iteration).");
            if (name == "convolutional" && relaxation != 1)
                throw new ArgumentException($"--over-relaxation {relaxation}: --method convolutional runs POT's iteration only (its floor under the "
                                            + "logarithm makes an over-relaxed run settle elsewhere); use --method bregman.");
            MnistSplit images = MnistStore.Load(MnistStore.DataDirectory(parse.GetValue(dataDir)), parse.GetValue(split)!);
            var grid = new ImageGridCost(images.Height, images.Width);
            int used = parse.GetValue(count);
            double[] histograms = Histograms(images, parse.GetValue(digit), used);
            double eps = double.IsNaN(parse.GetValue(epsilon)) ? 1e-3 * grid.MaxCost() : parse.GetValue(epsilon);
            var options = new BarycenterOptions
            {
                Epsilon = eps, Tolerance = parse.GetValue(tolerance), MaxIterations = parse.GetValue(iterations), Domain = where,
                OverRelaxation = relaxation,
            };
            using Accelerator device = name == "bregman" ? Accelerator.Create(AcceleratorOption.Parse(parse.GetValue(accelerator)!)) : new CpuAccelerator();
            var clock = Stopwatch.StartNew();
            BarycenterResult r = BarycenterMethod.Solve(name, grid, histograms, [], options, device);
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{name} barycenter on {device} of {used} images of class {parse.GetValue(digit)}, eps = {eps:G4} px^2: {seconds:F3} s, " +
                              $"{r.Iterations} iterations ({1e3 * seconds / r.Iterations:F2} ms each), {r.Domain.ToString().ToLowerInvariant()} domain, spread {r.Error:E2}, {r.Status}");
            var (pixels, width, height) = ImageGrid.Compose([r.Barycenter.Select(v => (float)v).ToArray()], images.Width, images.Height, 1, scale: 8);
            Png.Write(parse.GetValue(output)!.FullName, pixels, width, height);
            if (parse.GetValue(npy) is { } file) Npy.Write(file.FullName, r.Barycenter, images.Height, images.Width);
            return r.Status == SinkhornStatus.Diverged ? 1 : 0;
        }));
        return command;
    }

    /// <summary>The first count images labelled digit, as histograms [count, pixels].</summary>
    private static double[] Histograms(MnistSplit images, int digit, int count)
    {
        if (digit is < 0 or > 9) throw new ArgumentException($"--class {digit}: a digit 0..9.");
        if (count < 1) throw new ArgumentException($"--count {count}: at least 1.");
        int[] chosen = images.OfLabel(digit, count);
        if (chosen.Length < count) throw new ArgumentException($"--count {count}: the split has only {chosen.Length} images of class {digit}.");
        return images.Histograms(chosen);
    }
}
