using FsCheck;
using FsCheck.Fluent;
using OtNet.LinearAlgebra;
using Xunit;

namespace OtNet.Tests.LinearAlgebra;

public class ShiftedProductTests
{
    private static readonly int[] Widths = [0, 256, 512, -1]; // widest, AVX2, AVX-512 (where present), scalar

    /// <summary>Random a, windows at random offsets into a random source, m from 1 to 13 (every
    /// tile row count and several blocks), k from 1 to 40 (odd and even window counts).</summary>
    private static Arbitrary<(int m, int k, int n, int seed)> Cases() =>
        (from m in Gen.Choose(1, 13) from k in Gen.Choose(1, 40) from tiles in Gen.Choose(1, 4) from seed in Gen.Choose(0, int.MaxValue)
         select (m, k, tiles * ShiftedProduct.ColumnMultiple, seed)).ToArbitrary();

    private static (float[] a, int[] offsets, float[] source) Operands(Random rng, int aLength, int k, int n)
    {
        float[] a = Enumerable.Range(0, aLength).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float[] source = Enumerable.Range(0, n + 50).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        int[] offsets = Enumerable.Range(0, k).Select(_ => rng.Next(0, 51)).ToArray();
        return (a, offsets, source);
    }

    // Sums of k (or n) products of size <= 1/4 in float: error below 2^-22 per term, with margin.
    private static void AssertClose(float got, double expected, int terms, string where) =>
        Assert.True(Math.Abs(got - expected) <= 1e-6 * terms, $"{where}: {got} vs {expected}");

    [Fact]
    public void Multiply_EqualsTheSumOverWindows_AtEveryWidth()
    {
        Prop.ForAll(Cases(), t =>
        {
            var (a, offsets, source) = Operands(new Random(t.seed), t.m * t.k, t.k, t.n);
            foreach (int bits in Widths)
            {
                float[] c = Enumerable.Repeat(float.NaN, t.m * t.n).ToArray(); // overwritten, old contents ignored
                ShiftedProduct.Multiply(a, offsets, source, c, t.m, t.n, bits);
                for (int i = 0; i < t.m; i++)
                    for (int j = 0; j < t.n; j++)
                    {
                        double sum = 0;
                        for (int p = 0; p < t.k; p++) sum += (double)a[i * t.k + p] * source[offsets[p] + j];
                        AssertClose(c[i * t.n + j], sum, t.k, $"{t} bits {bits} [{i},{j}]");
                    }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void MultiplyTransposed_EqualsTheDotProductsWithTheWindows_AtEveryWidth()
    {
        Prop.ForAll(Cases(), t =>
        {
            var (a, offsets, source) = Operands(new Random(t.seed), t.m * t.n, t.k, t.n);
            foreach (int bits in Widths)
            {
                float[] c = Enumerable.Repeat(float.NaN, t.m * t.k).ToArray();
                ShiftedProduct.MultiplyTransposed(a, offsets, source, c, t.m, t.n, bits);
                for (int i = 0; i < t.m; i++)
                    for (int p = 0; p < t.k; p++)
                    {
                        double sum = 0;
                        for (int j = 0; j < t.n; j++) sum += (double)a[i * t.n + j] * source[offsets[p] + j];
                        AssertClose(c[i * t.k + p], sum, t.n, $"{t} bits {bits} [{i},{p}]");
                    }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void BadArguments_AreRefusedNamingTheArgument()
    {
        float[] source = new float[64], a = new float[2 * 3], c = new float[2 * 32];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ShiftedProduct.Multiply(a, [0, 33, 1], source, c, 2, 32));
        Assert.Equal("offsets", e.ParamName);
        Assert.Contains("offsets[1] = 33", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ShiftedProduct.Multiply(a, [0, -1, 1], source, c, 2, 32));
        var n = Assert.Throws<ArgumentException>(() => ShiftedProduct.Multiply(a, [0, 1, 2], source, new float[2 * 30], 2, 30));
        Assert.Equal("n", n.ParamName);
        var length = Assert.Throws<ArgumentException>(() => ShiftedProduct.Multiply(new float[5], [0, 1, 2], source, c, 2, 32));
        Assert.Equal("a", length.ParamName);
        length = Assert.Throws<ArgumentException>(() => ShiftedProduct.MultiplyTransposed(new float[2 * 32], [0, 1, 2], source, new float[5], 2, 32));
        Assert.Equal("c", length.ParamName);
    }
}
