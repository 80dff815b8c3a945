using OtKernels.Exact;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Exact;

/// <summary>Every validation rule throws ArgumentException naming the argument (and the index).</summary>
public class ValidationTests
{
    private static readonly GroundCost Cost3x2 = new DenseCost(new double[] { 0, 1, 1, 0, 2, 2 }, 3, 2);

    [Theory]
    [InlineData(double.NaN, "a[1]")]
    [InlineData(double.PositiveInfinity, "a[1]")]
    [InlineData(-0.25, "a[1]")]
    public void BadMass_Throws_NamingArgumentAndIndex(double bad, string named)
    {
        var e = Assert.Throws<ArgumentException>("a", () => NetworkSimplex.Solve([0.5, bad, 0.5], [0.5, 0.5], Cost3x2));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void ZeroTotalMass_Throws() =>
        Assert.Throws<ArgumentException>("b", () => NetworkSimplex.Solve([1.0, 0, 0], [0.0, 0.0], Cost3x2));

    [Fact]
    public void LengthMismatch_Throws() =>
        Assert.Throws<ArgumentException>("a", () => NetworkSimplex.Solve([0.5, 0.5], [0.5, 0.5], Cost3x2));

    [Fact]
    public void EmptyInput_Throws()
    {
        Assert.Throws<ArgumentException>("a", () => Emd1D.Cost([], [1.0], [], [1.0]));
        Assert.Throws<ArgumentOutOfRangeException>("rows", () => new DenseCost(Array.Empty<double>(), 0, 3));
        Assert.Throws<ArgumentException>("x", () => new PointCloudCost(Array.Empty<double>(), new double[] { 1 }, 1));
    }

    [Fact]
    public void UnequalMasses_Throw_UnlessNormalized()
    {
        Assert.Throws<ArgumentException>("b", () => NetworkSimplex.Solve([1.0, 1, 1], [1.0, 1], Cost3x2));
        Assert.Equal(EmdStatus.Optimal, NetworkSimplex.Solve([1.0, 1, 1], [1.0, 1], Cost3x2, new EmdOptions { Normalize = true }).Status);
    }

    [Fact]
    public void NonFiniteCostOrPoint_Throws_NamingIndex()
    {
        var e = Assert.Throws<ArgumentException>("values", () => new DenseCost(new double[] { 0, double.NaN }, 1, 2));
        Assert.Contains("values[1]", e.Message);
        e = Assert.Throws<ArgumentException>("y", () => new PointCloudCost(new double[] { 0, 1 }, new double[] { 2, double.NegativeInfinity }, 2));
        Assert.Contains("y[1]", e.Message);
        Assert.Throws<ArgumentException>("x", () => new PointCloudCost(new double[] { 0, 1, 2 }, new double[] { 0, 1 }, 2));
        Assert.Throws<ArgumentOutOfRangeException>("p", () => new PointCloudCost(new double[] { 0 }, new double[] { 1 }, 1, GroundMetric.Minkowski, 0.5));
    }

    [Fact]
    public void Emd1D_BadExponentOrPositions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>("p", () => Emd1D.Cost([1.0], [1.0], [0.0], [1.0], 0.5));
        Assert.Throws<ArgumentException>("positions", () => Emd1D.W1Histogram([0.5, 0.5], [0.5, 0.5], [1.0, 1.0]));
        Assert.Throws<ArgumentException>("xb", () => Emd1D.Cost([1.0], [1.0], [0.0], [double.NaN]));
    }

    [Fact]
    public void BatchError_NamesTheProblem()
    {
        double[] a = [0.5, 0.5, 0, 0.5, 0.5, 0], b = [0.5, 0.5, 0.5, -0.5];
        var e = Assert.Throws<ArgumentException>(() => NetworkSimplex.SolveBatch(a, b, Cost3x2));
        Assert.Contains("Problem 1", e.Message);
        Assert.Equal("b", e.ParamName);
    }
}
