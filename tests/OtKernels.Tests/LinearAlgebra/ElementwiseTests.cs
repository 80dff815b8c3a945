using OtKernels.LinearAlgebra;
using Xunit;

namespace OtKernels.Tests.LinearAlgebra;

public class ElementwiseTests
{
    [Fact]
    public void Map_EqualsTheScalarOperation_ForEveryLengthAndInPlace()
    {
        // Every length to 11 (whole vectors and every tail), out of place and in place;
        // special values pass as the scalar operation passes them.
        var rng = new Random(7);
        for (int length = 0; length <= 11; length++)
        {
            double[] x = Enumerable.Range(0, length).Select(i => i == 5 ? double.NegativeInfinity : rng.NextDouble() * 20 - 10).ToArray();
            double[] y = Enumerable.Range(0, length).Select(i => i == 3 ? 0 : rng.NextDouble() * 4 + 0.5).ToArray();
            Check<Elementwise.Add>((u, v) => u + v);
            Check<Elementwise.Multiply>((u, v) => u * v);
            Check<Elementwise.Divide>((u, v) => u / v);
            var e = new double[length];
            Elementwise.Map<Elementwise.Exp>(x, e);
            for (int i = 0; i < length; i++) Assert.True(Math.Abs(e[i] - Math.Exp(x[i])) <= 4e-16 * Math.Exp(x[i]), $"exp, length {length}, [{i}]: {e[i]:R}");

            void Check<TOp>(Func<double, double, double> op) where TOp : struct, Elementwise.IBinary
            {
                var result = new double[length];
                Elementwise.Map<TOp>(x, y, result);
                Assert.Equal(x.Zip(y, op).ToArray(), result);
                double[] inPlace = (double[])x.Clone();
                Elementwise.Map<TOp>(inPlace, y, inPlace);
                Assert.Equal(result, inPlace);
            }
        }
    }

    [Fact]
    public void AllInRange_IsTrueExactlyWhenEveryValueIs()
    {
        // Every length to 9 and every position of one value outside [low, high] (below, above,
        // infinite, NaN): the vector pass must see it, and must pass spans without one. A
        // mask compared with AllBitsSet as doubles (NaN lanes) fails the second half.
        double[] outside = [-2.5, 2.5, double.PositiveInfinity, double.NegativeInfinity, double.NaN];
        for (int length = 1; length <= 9; length++)
        {
            double[] values = Enumerable.Range(0, length).Select(i => i % 3 == 0 ? -2.0 : i % 3 == 1 ? 2.0 : 0.5 * i / length).ToArray();
            Assert.True(Elementwise.AllInRange(values, -2, 2), $"length {length}");
            for (int at = 0; at < length; at++)
                foreach (double bad in outside)
                {
                    double[] spoiled = (double[])values.Clone();
                    spoiled[at] = bad;
                    Assert.False(Elementwise.AllInRange(spoiled, -2, 2), $"length {length}, {bad} at {at}");
                }
        }
    }
}
