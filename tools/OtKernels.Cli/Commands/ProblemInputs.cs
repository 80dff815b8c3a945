// The inputs every OT command shares: two mass vectors and a cost, given either as a dense
// matrix (--cost) or as two point sets with a ground metric (--x, --y, --metric, --p), and
// the one rule for their masses (MassRule): equal sums within the files' precision, or
// --normalize.
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
    private readonly Option<bool> _normalize = new("--normalize") { Description = "Divide a and b by their sums (accepts unequal masses)." };

    /// <summary>The relative difference of the mass sums always accepted (as EmdOptions'
    /// default); files of lower precision widen it to (n + m) times their unit roundoff.</summary>
    public const double MassTolerance = 1e-9;

    private readonly bool _pointsOnly;

    /// <param name="pointsOnly">Only masses on two point sets (--a, --b, --x, --y,
    /// --normalize), for problems made of the points themselves (sliced Wasserstein).</param>
    public ProblemInputs(bool pointsOnly = false)
    {
        _pointsOnly = pointsOnly;
        _x.Required = _y.Required = pointsOnly;
    }

    public void AddTo(Command command)
    {
        Option[] options = _pointsOnly ? [_a, _b, _x, _y, _normalize] : [_a, _b, _cost, _x, _y, _metric, _p, _normalize];
        foreach (Option option in options) command.Options.Add(option);
    }

    /// <summary>The masses as <see cref="Read"/> gives them, and the two point sets (n x d and m x d).</summary>
    public (double[] A, double[] B, double[] X, double[] Y, int Dimension) ReadPoints(ParseResult parse)
    {
        (double[] a, double precisionA) = ReadVector(parse.GetValue(_a)!, "--a");
        (double[] b, double precisionB) = ReadVector(parse.GetValue(_b)!, "--b");
        MassRule(a, b, Math.Max(precisionA, precisionB), parse.GetValue(_normalize));
        (double[] x, double[] y, int d) = ReadPointSets(parse.GetValue(_x)!, parse.GetValue(_y)!, a.Length, b.Length);
        return (a, b, x, y, d);
    }

    /// <summary>The masses, as the solvers get them: validated, then divided by their sums
    /// with --normalize, else b rescaled to a's mass once the sums agree within the rule;
    /// <paramref name="anyMass"/> (unbalanced transport) keeps unequal sums as they are.</summary>
    public (double[] A, double[] B, GroundCost Cost) Read(ParseResult parse, bool anyMass = false)
    {
        (double[] a, double precisionA) = ReadVector(parse.GetValue(_a)!, "--a");
        (double[] b, double precisionB) = ReadVector(parse.GetValue(_b)!, "--b");
        if (anyMass && !parse.GetValue(_normalize))
        {
            Masses.Total(a, nameof(a));
            Masses.Total(b, nameof(b));
        }
        else MassRule(a, b, Math.Max(precisionA, precisionB), parse.GetValue(_normalize));
        return (a, b, ReadCost(parse.GetValue(_cost), parse.GetValue(_x), parse.GetValue(_y), parse.GetValue(_metric)!, parse.GetValue(_p), a.Length, b.Length));
    }

    private static void MassRule(double[] a, double[] b, double precision, bool normalize)
    {
        double sumA = Masses.Total(a, nameof(a)), sumB = Masses.Total(b, nameof(b));
        if (normalize)
        {
            for (int i = 0; i < a.Length; i++) a[i] /= sumA;
            for (int j = 0; j < b.Length; j++) b[j] /= sumB;
            return;
        }
        double tolerance = Math.Max(MassTolerance, (a.Length + b.Length) * precision);
        if (Math.Abs(sumA - sumB) > tolerance * Math.Max(sumA, sumB))
            throw new ArgumentException($"--a sums to {sumA:R} and --b to {sumB:R}; they must agree within a relative {tolerance:G3} "
                + "(1e-9, or (n + m) x the unit roundoff of float32 files), or pass --normalize.");
        for (int j = 0; j < b.Length; j++) b[j] *= sumA / sumB;
    }

    private static (double[] Data, double Precision) ReadVector(FileInfo file, string option)
    {
        (double[] data, int[] shape) = ArrayFile.Read(file.FullName, out double precision);
        if (shape.Length != 1 && !(shape.Length == 2 && (shape[0] == 1 || shape[1] == 1)))
            throw new ArgumentException($"{option} {file.Name}: expected a vector, got shape ({string.Join(", ", shape)}).");
        return (data, precision);
    }

    /// <summary>Points: (n, d), or (n) for points on the line (otk gw's spaces too).</summary>
    internal static (double[] Points, int Count, int Dimension) ReadPoints(FileInfo file, string option)
    {
        (double[] data, int[] shape) = ArrayFile.Read(file.FullName);
        if (shape.Length is not (1 or 2) || shape[0] == 0)
            throw new ArgumentException($"{option} {file.Name}: expected points of shape (n, d) or (n), n >= 1, got shape ({string.Join(", ", shape)}).");
        return (data, shape[0], shape.Length == 1 ? 1 : shape[1]);
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
        (double[] xs, double[] ys, int d) = ReadPointSets(x, y, n, m);
        GroundMetric groundMetric = metric.ToLowerInvariant() switch
        {
            "sqeuclidean" => GroundMetric.SqEuclidean,
            "euclidean" => GroundMetric.Euclidean,
            "minkowski" => GroundMetric.Minkowski,
            _ => throw new ArgumentException($"--metric '{metric}': use sqeuclidean, euclidean or minkowski."),
        };
        return new PointCloudCost(xs, ys, d, groundMetric, p);
    }

    /// <summary>--x (n points) and --y (m points) of one dimension.</summary>
    private static (double[] X, double[] Y, int Dimension) ReadPointSets(FileInfo x, FileInfo y, int n, int m)
    {
        (double[] xs, int xCount, int d) = ReadPoints(x, "--x");
        (double[] ys, int yCount, int dy) = ReadPoints(y, "--y");
        if (xCount != n) throw new ArgumentException($"--x {x.Name}: {xCount} points but --a has {n} masses.");
        if (yCount != m) throw new ArgumentException($"--y {y.Name}: {yCount} points but --b has {m} masses.");
        if (d != dy) throw new ArgumentException($"--x has dimension {d} but --y has {dy}.");
        return (xs, ys, d);
    }
}
