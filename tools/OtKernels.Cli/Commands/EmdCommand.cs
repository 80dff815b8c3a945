// otk emd: exact OT between two measures read from .npy/.csv files.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class EmdCommand
{
    public static Command Create()
    {
        var a = new Option<FileInfo>("--a") { Description = "Source masses (.npy or .csv), length n.", Required = true };
        var b = new Option<FileInfo>("--b") { Description = "Target masses, length m.", Required = true };
        var cost = new Option<FileInfo?>("--cost") { Description = "Dense n x m cost matrix." };
        var x = new Option<FileInfo?>("--x") { Description = "Source points, n x d (with --y instead of --cost)." };
        var y = new Option<FileInfo?>("--y") { Description = "Target points, m x d." };
        var metric = new Option<string>("--metric") { Description = "Ground metric for --x/--y: sqeuclidean, euclidean or minkowski.", DefaultValueFactory = _ => "sqeuclidean" };
        var p = new Option<double>("--p") { Description = "Minkowski exponent.", DefaultValueFactory = _ => 2 };
        var normalize = new Option<bool>("--normalize") { Description = "Divide a and b by their sums (accepts unequal masses)." };
        var maxIterations = new Option<int>("--max-iterations") { Description = "Pivot limit.", DefaultValueFactory = _ => EmdOptions.Default.MaxIterations };
        var plan = new Option<FileInfo?>("--plan") { Description = "Write the dense n x m plan to this .npy file." };
        var duals = new Option<string?>("--duals") { Description = "Write the potentials to PREFIX_u.npy and PREFIX_v.npy." };

        var command = new Command("emd", "Exact optimal transport (network simplex); prints {cost, iterations, status} as JSON.")
        {
            a, b, cost, x, y, metric, p, normalize, maxIterations, plan, duals,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            double[] wa = ReadVector(parse.GetValue(a)!, "--a");
            double[] wb = ReadVector(parse.GetValue(b)!, "--b");
            GroundCost ground = ReadCost(parse.GetValue(cost), parse.GetValue(x), parse.GetValue(y), parse.GetValue(metric)!, parse.GetValue(p), wa.Length, wb.Length);
            var options = new EmdOptions { Normalize = parse.GetValue(normalize), MaxIterations = parse.GetValue(maxIterations) };
            EmdResult result = NetworkSimplex.Solve(wa, wb, ground, options);

            if (parse.GetValue(plan) is { } planFile) Npy.Write(planFile.FullName, result.Plan.ToDense(wa.Length, wb.Length), wa.Length, wb.Length);
            if (parse.GetValue(duals) is { } prefix)
            {
                Npy.Write(prefix + "_u.npy", result.U, result.U.Length);
                Npy.Write(prefix + "_v.npy", result.V, result.V.Length);
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                cost = result.Cost,
                iterations = result.Iterations,
                status = result.Status.ToString(),
            }));
            return result.Status == EmdStatus.Optimal ? 0 : 1;
        }));
        return command;
    }

    internal static double[] ReadVector(FileInfo file, string option)
    {
        (double[] data, int[] shape) = ArrayFile.Read(file.FullName);
        if (shape.Length != 1 && !(shape.Length == 2 && (shape[0] == 1 || shape[1] == 1)))
            throw new ArgumentException($"{option} {file.Name}: expected a vector, got shape ({string.Join(", ", shape)}).");
        return data;
    }

    private static GroundCost ReadCost(FileInfo? cost, FileInfo? x, FileInfo? y, string metric, double p, int n, int m)
    {
        if (cost is not null)
        {
            if (x is not null || y is not null) throw new ArgumentException("Give either --cost or --x with --y, not both.");
            (double[] c, int[] shape) = ArrayFile.Read(cost.FullName);
            if (shape.Length != 2 || shape[0] != n || shape[1] != m)
                throw new ArgumentException($"--cost {cost.Name}: shape ({string.Join(", ", shape)}) but a and b need ({n}, {m}).");
            return new DenseCost(c, n, m);
        }
        if (x is null || y is null) throw new ArgumentException("Give --cost, or both --x and --y.");
        (double[] xs, int[] xShape) = ArrayFile.Read(x.FullName);
        (double[] ys, int[] yShape) = ArrayFile.Read(y.FullName);
        int d = xShape.Length == 1 ? 1 : xShape[1];
        int dy = yShape.Length == 1 ? 1 : yShape[1];
        if (xShape[0] != n) throw new ArgumentException($"--x {x.Name}: {xShape[0]} points but --a has {n} masses.");
        if (yShape[0] != m) throw new ArgumentException($"--y {y.Name}: {yShape[0]} points but --b has {m} masses.");
        if (d != dy) throw new ArgumentException($"--x has dimension {d} but --y has {dy}.");
        GroundMetric groundMetric = metric.ToLowerInvariant() switch
        {
            "sqeuclidean" => GroundMetric.SqEuclidean,
            "euclidean" => GroundMetric.Euclidean,
            "minkowski" => GroundMetric.Minkowski,
            _ => throw new ArgumentException($"--metric '{metric}': use sqeuclidean, euclidean or minkowski."),
        };
        return new PointCloudCost(xs, ys, d, groundMetric, p);
    }
}
