using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using Xunit;

namespace OtKernels.Tests.Exact;

public class RowArgMinTests
{
    // The scalar oracle: first index of the minimum of (c_j + piS) - piT_j.
    private static (double, int) Reference(double[] c, double piS, double[] piT)
    {
        double min = double.PositiveInfinity;
        int best = 0;
        for (int j = 0; j < c.Length; j++)
        {
            double r = c[j] + piS - piT[j];
            if (r < min) { min = r; best = j; }
        }
        return (min, best);
    }

    [Fact]
    public void VectorPath_EqualsScalarReference_ForEveryLengthAndWithTies()
    {
        // Lengths 1..2*width+1 and beyond; values from a small set so that ties are common.
        Prop.ForAll((from length in Gen.Choose(1, 40)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (length, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] c = Enumerable.Range(0, t.length).Select(_ => (double)rng.Next(4)).ToArray();
            double[] piT = Enumerable.Range(0, t.length).Select(_ => (double)rng.Next(3)).ToArray();
            double piS = rng.Next(3) - 1;
            Assert.Equal(Reference(c, piS, piT), NetworkSimplexSolver.RowArgMin(c, piS, piT));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
