// `barycenter-mnist DIGIT COUNT METHOD EPS OUT.npy [OMEGA [TOLERANCE]]`: the barycenter of the first COUNT
// training images of one MNIST class by Barycenter.Bregman (on the CPU; the kernel domain where eps allows, as otk) or
// Barycenter.Convolutional, every core, POT's stopping rule (stopThr 1e-4 on the spread,
// checked every 10 iterations, at most 1,000; 100,000 under a tighter TOLERANCE). Times the first solve in the process (its
// code compiled on the way, about 0.1 s) and a second, warm one, as the other comparisons
// are timed; writes the warm barycenter to OUT.npy for bench/scripts/barycenter_mnist_vs_pot.sh.
// OMEGA (default 1, POT's iteration) is BarycenterOptions.OverRelaxation, for bregman;
// TOLERANCE (default 1e-4, POT's stopThr) makes the tightly converged reference of the script.
using System.Diagnostics;
using OtKernels.Data;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Bench;

internal static class BarycenterMnist
{
    public static int Run(int digit, int count, string method, double epsilon, string outPath, double omega, double tolerance)
    {
        MnistSplit images = MnistStore.Load(MnistStore.DataDirectory(), "train");
        int[] chosen = images.OfLabel(digit, count);
        if (chosen.Length < count) throw new ArgumentException($"COUNT {count}: the training split has {chosen.Length} images of class {digit}.");
        double[] histograms = images.Histograms(chosen);
        var grid = new ImageGridCost(images.Height, images.Width);
        var options = new BarycenterOptions { Epsilon = epsilon, Tolerance = tolerance, MaxIterations = tolerance < 1e-4 ? 100_000 : 1000, Domain = BarycenterDomain.Auto, OverRelaxation = omega };
        Func<BarycenterResult> solve = method switch
        {
            "bregman" => () => Barycenter.Bregman(histograms, [], grid, options),
            "convolutional" => () => Barycenter.Convolutional(histograms, [], grid, options),
            _ => throw new ArgumentException($"METHOD {method}: bregman or convolutional."),
        };
        var clock = Stopwatch.StartNew();
        solve();
        double first = clock.Elapsed.TotalSeconds;
        clock.Restart();
        BarycenterResult result = solve();
        double warm = clock.Elapsed.TotalSeconds;
        Npy.Write(outPath, result.Barycenter, images.Height, images.Width);
        Console.WriteLine($"otk {method} barycenter of {count} images of class {digit}, eps {epsilon:G4} px^2: first call {first:F3} s, warm {warm:F3} s, "
                          + $"{result.Iterations} iterations ({warm / result.Iterations * 1e3:F2} ms each, warm), {Environment.ProcessorCount} threads, over-relaxation {omega:G3}, {result.Status}");
        return 0;
    }
}
