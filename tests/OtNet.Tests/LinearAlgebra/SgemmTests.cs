using FsCheck;
using FsCheck.Fluent;
using OtNet.LinearAlgebra;
using Xunit;

namespace OtNet.Tests.LinearAlgebra;

public class SgemmTests
{
    /// <summary>op(A) op(B) in double by the triple loop: the reference.</summary>
    private static double[] Reference(float[] a, bool ta, float[] b, bool tb, int m, int n, int k)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        return c;
    }

    [Fact]
    public void Multiply_MatchesTheTripleLoop_ForEveryShapeAndTranspose_WithAlphaAndBeta()
    {
        // Shapes around the 6 x 16 tile and the k chunk of 256; every transpose combination.
        Prop.ForAll((from m in Gen.Choose(1, 40) from n in Gen.Choose(1, 40) from k in Gen.Choose(1, 300)
                     from flags in Gen.Choose(0, 7) from seed in Gen.Choose(0, int.MaxValue) select (m, n, k, flags, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            bool ta = (t.flags & 1) != 0, tb = (t.flags & 2) != 0, accumulate = (t.flags & 4) != 0;
            float[] a = Enumerable.Range(0, t.m * t.k).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            float[] b = Enumerable.Range(0, t.k * t.n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            float[] c0 = Enumerable.Range(0, t.m * t.n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            float alpha = 0.75f, beta = accumulate ? -2f : 0f;
            float[] c = (float[])c0.Clone();
            Sgemm.Multiply(a, ta, b, tb, c, t.m, t.n, t.k, alpha, beta);
            double[] expected = Reference(a, ta, b, tb, t.m, t.n, t.k);
            // float accumulation over k terms of size <= 1/4: error below k 2^-24 per term, with margin.
            double tolerance = 1e-6 * t.k + 1e-6;
            for (int i = 0; i < c.Length; i++)
            {
                double want = alpha * expected[i] + beta * c0[i];
                Assert.True(Math.Abs(c[i] - want) <= tolerance, $"{t} [{i}]: {c[i]} vs {want}");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Multiply_GivesTheSameBits_OnOneThreadAndOnMany()
    {
        var rng = new Random(4);
        const int m = 200, n = 70, k = 300;
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble()).ToArray();
        var one = new float[m * n];
        var many = new float[m * n];
        Sgemm.Multiply(a, false, b, false, one, m, n, k, maxDegreeOfParallelism: 1);
        Sgemm.Multiply(a, false, b, false, many, m, n, k, maxDegreeOfParallelism: 4);
        Assert.Equal(one, many);
    }

    [Fact]
    public void Multiply_RejectsAnOperandOfTheWrongLength_NamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Sgemm.Multiply(new float[6], false, new float[5], true, new float[4], 2, 2, 3));
        Assert.Equal("b", e.ParamName);
        Assert.Contains("n x k", e.Message);
    }

    [Fact]
    public void BetaZero_IgnoresNaNInTheOutput()
    {
        float[] c = [float.NaN, float.NaN];
        Sgemm.Multiply(new float[] { 1, 2 }, false, new float[] { 3, 4, 5, 6 }, false, c, 1, 2, 2);
        Assert.Equal(new float[] { 13, 16 }, c);
    }
}
