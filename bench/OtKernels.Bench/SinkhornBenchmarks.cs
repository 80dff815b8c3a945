// Sinkhorn on one problem of each geometry, and the unrolled reverse pass. GlobalSetup
// validates first: each forward converges and brackets the exact cost
// (W <= OT_eps <= W + eps log min(n, m)), and the unrolled gradient matches a central finite
// difference of the unrolled value.
using BenchmarkDotNet.Attributes;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Bench;

[MemoryDiagnoser]
public class SinkhornBenchmarks
{
    private DenseCost _dense = null!;
    private PointCloudCost _clouds = null!;
    private ImageGridCost _grid = null!;
    private double[] _a100 = [], _a16 = [], _b16 = [], _gridA = [], _gridB = [], _x = [], _y = [];
    private readonly SinkhornTape<double> _tape = new();
    private readonly double[] _da = new double[16], _db = new double[16], _dx = new double[32], _dy = new double[32];

    private static readonly SinkhornOptions Dense = new() { Epsilon = 0.05, MaxIterations = 200, Mode = SinkhornMode.Unrolled };
    private static readonly SinkhornOptions Clouds = new() { Epsilon = 0.05, MaxIterations = 100, Mode = SinkhornMode.Unrolled };
    private static readonly SinkhornOptions Grid = new() { Epsilon = 1.458, Tolerance = 1e-9, EpsilonScaling = 0.5, OverRelaxation = 1.8, MaxIterations = 100_000 };
    private static readonly SinkhornOptions Unrolled = new() { Epsilon = 0.05, MaxIterations = 50, Mode = SinkhornMode.Unrolled };

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _dense = new DenseCost(Enumerable.Range(0, 100 * 100).Select(_ => rng.NextDouble()).ToArray(), 100, 100);
        _a100 = Enumerable.Repeat(0.01, 100).ToArray();
        _x = Enumerable.Range(0, 32).Select(_ => rng.NextDouble()).ToArray();
        _y = Enumerable.Range(0, 32).Select(_ => rng.NextDouble()).ToArray();
        _clouds = new PointCloudCost(_x, _y, 2);
        _a16 = Enumerable.Repeat(1.0 / 16, 16).ToArray();
        _b16 = _a16;
        _grid = new ImageGridCost(28, 28);
        _gridA = Blob(28, 9, 10);
        _gridB = Blob(28, 17, 15);

        Bracket(_dense, _a100, _a100, Dense with { Mode = SinkhornMode.Converged, Tolerance = 1e-9, MaxIterations = 100_000 });
        Bracket(_clouds, _a16, _b16, Clouds with { Mode = SinkhornMode.Converged, Tolerance = 1e-9, MaxIterations = 100_000 });
        Bracket(_grid, _gridA, _gridB, Grid);
        CheckUnrolledGradient();
    }

    [Benchmark] public double Dense100x100_200Iterations() => Sinkhorn.Solve<double>(_a100, _a100, _dense, Dense).Value[0];

    [Benchmark] public double Clouds16x16_100Iterations() => Sinkhorn.Solve<double>(_a16, _b16, _clouds, Clouds).Value[0];

    [Benchmark] public double Grid28x28_ToTolerance1e9() => Sinkhorn.Solve<double>(_gridA, _gridB, _grid, Grid).Value[0];

    [Benchmark]
    public double Clouds16x16_Unrolled50_ForwardAndBackward()
    {
        Sinkhorn.Solve<double>(_a16, _b16, _clouds, Unrolled, _tape);
        SinkhornBackward.UnrolledGradients<double>(_tape, _clouds, _a16, _b16, _da, _db, _dx, _dy);
        return _dx[0];
    }

    private static void Bracket(GroundCost cost, double[] a, double[] b, SinkhornOptions options)
    {
        SinkhornResult<double> r = Sinkhorn.Solve<double>(a, b, cost, options);
        double w = NetworkSimplex.Solve(a, b, cost).Cost;
        double upper = w + options.Epsilon * Math.Log(Math.Min(a.Length, b.Length));
        if (r.Status[0] != SinkhornStatus.Converged || r.Value[0] < w - 1e-8 || r.Value[0] > upper + 1e-8)
            throw new InvalidOperationException($"{cost.GetType().Name}: OT_eps {r.Value[0]} ({r.Status[0]}) outside [{w}, {upper}].");
    }

    /// <summary>d(value)/d(x_0) from the unrolled pass against a central difference of the
    /// same 50-iteration computation.</summary>
    private void CheckUnrolledGradient()
    {
        Sinkhorn.Solve<double>(_a16, _b16, _clouds, Unrolled, _tape);
        SinkhornBackward.UnrolledGradients<double>(_tape, _clouds, _a16, _b16, _da, _db, _dx, _dy);
        const double h = 1e-6;
        double Value(double shift)
        {
            double[] moved = (double[])_x.Clone();
            moved[0] += shift;
            return Sinkhorn.Solve<double>(_a16, _b16, new PointCloudCost(moved, _y, 2), Unrolled).Value[0];
        }
        double fd = (Value(h) - Value(-h)) / (2 * h);
        if (Math.Abs(fd - _dx[0]) > 1e-5 * Math.Max(1e-3, Math.Abs(fd)))
            throw new InvalidOperationException($"Unrolled gradient {_dx[0]} vs finite difference {fd}.");
    }

    private static double[] Blob(int side, double cr, double cc)
    {
        var h = new double[side * side];
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++)
            {
                double d2 = (r - cr) * (r - cr) + (c - cc) * (c - cc);
                h[r * side + c] = d2 < 30 ? Math.Exp(-d2 / 10) : 0;
            }
        double s = h.Sum();
        return h.Select(v => v / s).ToArray();
    }
}
