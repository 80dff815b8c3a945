// The inputs every OT command shares: two mass vectors and a cost, given either as a dense
// matrix (--cost) or as two point sets with a ground metric (--x, --y, --metric, --p).
using System.CommandLine;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal sealed class ProblemInputs
{
    private readonly Option<FileInfo> _a = new("--a") { Description = "Source masses (.npy or .csv), length n.", Required = true };
    private readonly Option<FileInfo> _b = new("--b") { Description = "Target masses, length m.", Required = true };
    private readonly Option<FileInfo?> _cost = new("--cost") { Description = "Dense n x m cost matrix." };
    private readonly Option<FileInfo?> _x = new("--x") { Description = "Source points, n x d (with --y instead of --cost)." };
    private readonly Option<FileInfo?> _y = new("--y") { Description = "Target points, m x d." };
    private readonly Option<string> _metric = new("--metric") { Description = "Ground metric for --x/--y: sqeuclidean, euclidean or minkowski.", DefaultValueFactory = _ => "sqeuclidean" };
    private readonly Option<double> _p = new("--p") { Description = "Minkowski exponent.", DefaultValueFactory = _ => 2 };

    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[_a, _b, _cost, _x, _y, _metric, _p]) command.Options.Add(option);
    }

    public (double[] A, double[] B, GroundCost Cost) Read(ParseResult parse)
    {
        double[] a = ReadVector(parse.GetValue(_a)!, "--a");
        double[] b = ReadVector(parse.GetValue(_b)!, "--b");
        return (a, b, ReadCost(parse.GetValue(_cost), parse.GetValue(_x), parse.GetValue(_y), parse.GetValue(_metric)!, parse.GetValue(_p), a.Length, b.Length));
    }

    private static double[] ReadVector(FileInfo file, string option)
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
