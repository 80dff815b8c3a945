// Generated transportation problems for the property tests. A problem is a pure function
// of (kind, n, m, seed), so FsCheck shrinks the shape and prints the seed, and any
// counterexample becomes a one-line regression test.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Geometry;

namespace OtKernels.Tests.Exact;

public enum CostKind
{
    UniformReal,       // C in [-1, 1): negative costs
    SmallIntegers,     // C in {0..4}: many ties, degenerate pivots
    WideRange,         // |C| from 1e-6 to 1e6
    SqEuclideanPoints, // points in R^1..R^3
    EuclideanPoints,
}

public sealed record TransportProblem(CostKind Kind, int N, int M, int Seed)
{
    public double[] A { get; private init; } = [];
    public double[] B { get; private init; } = [];
    public GroundCost Cost { get; private init; } = null!;
    public double[] DenseCost { get; private init; } = [];

    /// <summary>Wraps given arrays (for tests that build their own problems).</summary>
    public static TransportProblem FromArrays(double[] a, double[] b, double[] dense, int n, int m) =>
        new(CostKind.UniformReal, n, m, -1) { A = a, B = b, DenseCost = dense, Cost = new DenseCost(dense, n, m) };

    public override string ToString() => $"TransportProblem.Create(CostKind.{Kind}, {N}, {M}, {Seed})";

    /// <summary>Masses are small integers (zeros included) times 2^-10, with exactly equal
    /// sums, so GLPK's rational solve sees a feasible problem.</summary>
    public static TransportProblem Create(CostKind kind, int n, int m, int seed)
    {
        var rng = new Random(seed);
        double[] a = IntegerMasses(rng, n, total: null, out int total);
        double[] b = IntegerMasses(rng, m, total, out _);
        GroundCost cost;
        switch (kind)
        {
            case CostKind.SqEuclideanPoints:
            case CostKind.EuclideanPoints:
                int d = 1 + rng.Next(3);
                double[] x = RandomPoints(rng, n * d), y = RandomPoints(rng, m * d);
                cost = new PointCloudCost(x, y, d, kind == CostKind.SqEuclideanPoints ? GroundMetric.SqEuclidean : GroundMetric.Euclidean);
                break;
            default:
                var c = new double[n * m];
                for (int k = 0; k < c.Length; k++)
                {
                    c[k] = kind switch
                    {
                        CostKind.UniformReal => 2 * rng.NextDouble() - 1,
                        CostKind.SmallIntegers => rng.Next(5),
                        _ => (rng.Next(4) == 0 ? -1 : 1) * Math.Pow(10, -6 + 12 * rng.NextDouble()),
                    };
                }
                cost = new DenseCost(c, n, m);
                break;
        }
        var dense = new double[n * m];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) dense[i * m + j] = cost[i, j];
        return new TransportProblem(kind, n, m, seed) { A = a, B = b, Cost = cost, DenseCost = dense };
    }

    private static double[] IntegerMasses(Random rng, int count, int? total, out int sum)
    {
        var w = new int[count];
        if (total is int t)
        {
            // Spread t units over the bins; some bins may stay at zero.
            for (int u = 0; u < t; u++) w[rng.Next(count)]++;
            if (count > 1 && rng.Next(3) == 0) { w[0] += w[^1]; w[^1] = 0; }
        }
        else
        {
            for (int k = 0; k < count; k++) w[k] = rng.Next(5) == 0 ? 0 : rng.Next(1, 6);
            if (w.All(v => v == 0)) w[rng.Next(count)] = 1;
        }
        sum = w.Sum();
        return w.Select(v => v / 1024.0).ToArray();
    }

    private static double[] RandomPoints(Random rng, int count)
    {
        var p = new double[count];
        for (int k = 0; k < count; k++) p[k] = rng.Next(4) == 0 ? rng.Next(3) : 3 * rng.NextDouble();
        return p;
    }

    public static Arbitrary<TransportProblem> Arbitrary(int maxSize) =>
        (from kind in Gen.Elements(Enum.GetValues<CostKind>())
         from n in Gen.Choose(1, maxSize)
         from m in Gen.Choose(1, maxSize)
         from seed in Gen.Choose(0, int.MaxValue)
         select Create(kind, n, m, seed)).ToArbitrary();
}
