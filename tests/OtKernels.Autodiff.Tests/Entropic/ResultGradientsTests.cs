// The gradients as methods of the forward's result (ResultGradients) return what the span
// API writes, for the problem asked (k = 1 of two, so a wrong index shows), with the shapes
// of the problem: they are the same formulas, reached from the result.
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

public class ResultGradientsTests
{
    [Fact]
    public void ResultMethods_ReturnTheSpanApisGradients_ForTheProblemAsked()
    {
        var rng = new Random(5);
        double[] Points(int count) => Enumerable.Range(0, count).Select(_ => rng.NextDouble()).ToArray();
        int n = 4, m = 3, d = 2;
        var costs = new[] { new PointCloudCost(Points(n * d), Points(m * d), d), new PointCloudCost(Points(n * d), Points(m * d), d) };
        double[] a = [.. Enumerable.Repeat(0.25, 2 * n)], b = [.. Enumerable.Repeat(1.0 / 3, 2 * m)];
        var options = new SinkhornOptions { Epsilon = 0.1, Tolerance = 1e-10, MaxIterations = 10_000 };
        SinkhornResult<double> ot = Sinkhorn.SolveBatch<double>(a, b, k => costs[k], options);
        SinkhornDivergenceResult<double> s = SinkhornDivergence.SolveBatch<double>(a, b, k => costs[k], options);

        double[] ga = new double[n], gb = new double[m], gx = new double[n * d], gy = new double[m * d];
        SinkhornBackward.WeightGradients(ot, 1, ga, gb);
        AssertEqual((ga, gb), ot.WeightGradients(1));
        SinkhornBackward.PositionGradients(ot, 1, costs[1], gx, gy);
        AssertEqual((gx, gy), ot.PositionGradients(costs[1], 1));
        Assert.Equal(SinkhornBackward.CostGradient(ot, 1), ot.CostGradient(1));
        Assert.NotEqual(ot.WeightGradients(0).A, ot.WeightGradients(1).A);

        SinkhornDivergenceBackward.WeightGradients(s, 1, ga, gb);
        AssertEqual((ga, gb), s.WeightGradients(1));
        SinkhornDivergenceBackward.PositionGradients(s, 1, costs[1], gx, gy);
        AssertEqual((gx, gy), s.PositionGradients(costs[1], 1));
    }

    private static void AssertEqual((double[], double[]) expected, (double[], double[]) actual)
    {
        Assert.Equal(expected.Item1, actual.Item1);
        Assert.Equal(expected.Item2, actual.Item2);
    }
}
