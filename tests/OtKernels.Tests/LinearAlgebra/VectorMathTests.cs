using System.Runtime.Intrinsics;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.LinearAlgebra;
using Xunit;

namespace OtKernels.Tests.LinearAlgebra;

public class VectorMathTests
{
    /// <summary>|a - b| in units of the last place of b.</summary>
    private static double Ulps(double a, double b) => Math.Abs(a - b) / (Math.BitIncrement(Math.Abs(b)) - Math.Abs(b));

    [Fact]
    public void ExpInRange_IsWithinTwoUlpsOfMathExp_OverItsDomain()
    {
        // Uniform over [-708, 709], and near 0 where the result is about 1 (the soft-min's top terms).
        Prop.ForAll((from wide in Gen.Elements(true, false) from seed in Gen.Choose(0, int.MaxValue) select (wide, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] x = Enumerable.Range(0, 4).Select(_ => t.wide ? -708 + 1417 * rng.NextDouble() : (rng.NextDouble() - 0.5) * 1e-3).ToArray();
            Vector256<double> y = VectorMath.ExpInRange(Vector256.Create(x));
            for (int lane = 0; lane < 4; lane++)
                Assert.True(Ulps(y[lane], Math.Exp(x[lane])) <= 2, $"exp({x[lane]:R}) = {y[lane]:R}, Math.Exp {Math.Exp(x[lane]):R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
        double[] ends = [-708, 709, 0, -0.34657359027997264, 0.34657359027997264];
        foreach (double v in ends) Assert.True(Ulps(VectorMath.ExpInRange(Vector256.Create(v))[0], Math.Exp(v)) <= 2, $"exp({v})");
    }

    [Fact]
    public void LogOfNormal_IsWithinTwoUlpsOfMathLog_AndPassesNaNAndInfinity()
    {
        // Log-uniform over the normal doubles, and near 1 where log is near 0 (relative error
        // there is the hard case: the result has no digits to spare).
        Prop.ForAll((from nearOne in Gen.Elements(true, false) from seed in Gen.Choose(0, int.MaxValue) select (nearOne, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] x = Enumerable.Range(0, 4).Select(_ => t.nearOne ? 1 + (rng.NextDouble() - 0.5) * 1e-6 : Math.Pow(2, -1022 + 2044 * rng.NextDouble()) * (1 + rng.NextDouble())).ToArray();
            Vector256<double> y = VectorMath.LogOfNormal(Vector256.Create(x));
            for (int lane = 0; lane < 4; lane++)
                Assert.True(Ulps(y[lane], Math.Log(x[lane])) <= 2, $"log({x[lane]:R}) = {y[lane]:R}, Math.Log {Math.Log(x[lane]):R}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
        // The ends of the reduction, m near sqrt(2) and sqrt(1/2), where |s| and the series' tail are largest.
        foreach (double v in new[] { 1.4142135623730950, 1.4142135623730951, 0.70710678118654746, 0.70710678118654757, 1.41421356 })
            Assert.True(Ulps(VectorMath.LogOfNormal(Vector256.Create(v))[0], Math.Log(v)) <= 2, $"log({v:R})");
        Vector256<double> special = VectorMath.LogOfNormal(Vector256.Create(double.NaN, double.PositiveInfinity, 1.0, 2.2250738585072014e-308));
        Assert.True(double.IsNaN(special[0]));
        Assert.Equal(double.PositiveInfinity, special[1]);
        Assert.Equal(0.0, special[2]);
        Assert.True(Ulps(special[3], Math.Log(2.2250738585072014e-308)) <= 2);
    }
}
