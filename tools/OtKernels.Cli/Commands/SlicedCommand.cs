// otk sliced: the sliced (or max-sliced) Wasserstein distance between two weighted point
// sets read from .npy/.csv files, over seeded random directions or given ones, with the
// gradient with respect to the source points on request. POT: ot.sliced_wasserstein_distance.
using System.CommandLine;
using System.Numerics.Tensors;
using System.Text.Json;
using OtKernels.Exact;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class SlicedCommand
{
    public static Command Create()
    {
        var inputs = new ProblemInputs(pointsOnly: true);
        var p = new Option<double>("--p") { Description = "The exponent p >= 1 of SW_p.", DefaultValueFactory = _ => 2 };
        var projections = new Option<int>("--projections") { Description = "Random directions L (seeded by --seed).", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random directions.", DefaultValueFactory = _ => 0 };
        var directions = new Option<FileInfo?>("--directions") { Description = "Directions [L, d] (.npy or .csv) instead of random ones (POT's projections, transposed)." };
        var max = new Option<bool>("--max") { Description = "Max-sliced: the largest W_p over the directions, not the mean." };
        var gradient = new Option<FileInfo?>("--gradient") { Description = "Write dSW/dx [n, d] to this .npy file." };
        var command = new Command("sliced", "Sliced Wasserstein distance SW_p (or max-sliced) between point sets; prints {value, p, projections, max} as JSON.")
        {
            p, projections, seed, directions, max, gradient,
        };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            (double[] a, double[] b, double[] x, double[] y, int d) = inputs.ReadPoints(parse);
            double exponent = parse.GetValue(p);
            if (!(exponent >= 1 && double.IsFinite(exponent))) throw new ArgumentException($"--p {exponent}: must be finite and at least 1.");
            double[] theta = ReadDirections(parse.GetValue(directions), d, parse.GetValue(projections), parse.GetValue(seed));
            FileInfo? gradientFile = parse.GetValue(gradient);
            if (gradientFile is not null) AtomicFile.CheckTarget(gradientFile.FullName);
            double[] dx = gradientFile is null ? [] : new double[x.Length];
            bool isMax = parse.GetValue(max);
            double value = isMax
                ? SlicedWasserstein.MaxDistance(a, b, x, y, d, theta, exponent, dx)
                : SlicedWasserstein.Distance(a, b, x, y, d, theta, exponent, dx);
            Console.WriteLine(JsonSerializer.Serialize(new { value, p = exponent, projections = theta.Length / d, max = isMax }));
            Console.Out.Flush();
            if (gradientFile is not null) Npy.Write(gradientFile.FullName, dx, a.Length, d);
            return 0;
        }));
        return command;
    }

    /// <summary>The directions [L, d]: from the file, or L seeded random ones.</summary>
    private static double[] ReadDirections(FileInfo? file, int dimension, int count, int seed)
    {
        if (file is null)
        {
            if (count < 1) throw new ArgumentException($"--projections {count}: need at least 1.");
            return SlicedWasserstein.RandomProjections(dimension, count, seed);
        }
        (double[] data, int[] shape) = ArrayFile.Read(file.FullName);
        int columns = shape.Length == 2 ? shape[1] : shape.Length == 1 && dimension == 1 ? 1 : -1;
        if (columns != dimension || data.Length == 0)
            throw new ArgumentException($"--directions {file.Name}: shape ({string.Join(", ", shape)}); need [L, {dimension}], one direction of the points' dimension per row.");
        for (int l = 0; l < data.Length / dimension; l++)
        {
            double norm = TensorPrimitives.Norm<double>(data.AsSpan(l * dimension, dimension));
            if (!(Math.Abs(norm - 1) <= 1e-6))
                throw new ArgumentException($"--directions {file.Name}: row {l} has norm {norm:G6}; directions must be unit vectors.");
        }
        return data;
    }
}
