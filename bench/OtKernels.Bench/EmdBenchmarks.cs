// Exact EMD on the problems the engine is built for: image histograms on a grid (as MNIST
// pairs) and 2-D point clouds. GlobalSetup validates each answer by its dual certificate
// (primal = dual) before anything is timed.
using BenchmarkDotNet.Attributes;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Bench;

[MemoryDiagnoser]
public class EmdBenchmarks
{
    private double[] _a = [], _b = [];
    private GroundCost _grid = null!, _clouds = null!;
    private double[] _ca = [], _cb = [];

    /// <summary>Side of the image grid; 28 is MNIST's.</summary>
    [Params(16, 28)] public int Side;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _a = Blobs(rng, Side);
        _b = Blobs(rng, Side);
        _grid = new ImageGridCost(Side, Side);
        int n = Side * Side / 4;
        var x = new double[2 * n];
        var y = new double[2 * n];
        for (int k = 0; k < x.Length; k++) { x[k] = rng.NextDouble(); y[k] = rng.NextDouble() + 0.5; }
        _clouds = new PointCloudCost(x, y, 2);
        _ca = Enumerable.Repeat(1.0 / n, n).ToArray();
        _cb = _ca;
        Validate(_a, _b, _grid);
        Validate(_ca, _cb, _clouds);
    }

    [Benchmark] public double ImageGrid() => NetworkSimplex.Solve(_a, _b, _grid).Cost;

    [Benchmark] public double PointClouds() => NetworkSimplex.Solve(_ca, _cb, _clouds).Cost;

    /// <summary>Digit-like images: a few Gaussian strokes, about 20% nonzero pixels.</summary>
    private static double[] Blobs(Random rng, int side)
    {
        var h = new double[side * side];
        for (int blob = 0; blob < 4; blob++)
        {
            double cr = side * (0.3 + 0.4 * rng.NextDouble()), cc = side * (0.3 + 0.4 * rng.NextDouble());
            for (int r = 0; r < side; r++)
                for (int c = 0; c < side; c++)
                {
                    double d2 = (r - cr) * (r - cr) + (c - cc) * (c - cc);
                    if (d2 < side * side / 40.0) h[r * side + c] += Math.Round(255 * Math.Exp(-d2 / side));
                }
        }
        double s = h.Sum();
        return h.Select(v => v / s).ToArray();
    }

    private static void Validate(double[] a, double[] b, GroundCost cost)
    {
        EmdResult r = NetworkSimplex.Solve(a, b, cost);
        double dual = a.Zip(r.U, (w, u) => w * u).Sum() + b.Zip(r.V, (w, v) => w * v).Sum();
        if (r.Status != EmdStatus.Optimal || Math.Abs(dual - r.Cost) > 1e-9 * Math.Max(1, r.Cost))
            throw new InvalidOperationException($"Benchmark input not solved to optimality: cost {r.Cost}, dual {dual}, {r.Status}.");
    }
}

public class Emd1DBenchmarks
{
    private double[] _x = [], _y = [], _w = [];

    [Params(1000, 100_000)] public int N;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _x = Enumerable.Range(0, N).Select(_ => rng.NextDouble()).ToArray();
        _y = _x.Select(v => v + 0.25).ToArray();
        _w = Enumerable.Repeat(1.0 / N, N).ToArray();
        double w1 = Emd1D.Cost(_w, _w, _x, _y, 1);
        if (Math.Abs(w1 - 0.25) > 1e-9) throw new InvalidOperationException($"A shift by 0.25 gave W1 = {w1}.");
    }

    [Benchmark] public double W2Squared() => Emd1D.Cost(_w, _w, _x, _y, 2);
}
