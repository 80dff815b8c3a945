using FsCheck;
using FsCheck.Fluent;
using OtKernels.LinearAlgebra;
using Xunit;

namespace OtKernels.Tests.LinearAlgebra;

public class SmallMatrixTests
{
    private static readonly int[] VectorWidths = SmallMatrix.WidestVectorBits == 512 ? [256, 512] : [256];

    [Fact]
    public void Multiply_EqualsTheTripleLoop_ForEveryShape()
    {
        // Shapes from 1 up to 40 cover the scalar path (n below a vector), odd row counts,
        // every grouping of the column vectors (1 to 10 of them, with and without a last
        // vector overlapping the one before), in both precisions and with every vector width
        // this machine accelerates (256 bits, and 512 where AVX-512 is there).
        Prop.ForAll((from m in Gen.Choose(1, 40) from k in Gen.Choose(1, 40) from n in Gen.Choose(1, 40) from seed in Gen.Choose(0, int.MaxValue)
                     select (m, k, n, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] a = Enumerable.Range(0, t.m * t.k).Select(_ => rng.NextDouble() - 0.5).ToArray();
            double[] b = Enumerable.Range(0, t.k * t.n).Select(_ => rng.NextDouble() - 0.5).ToArray();
            foreach (int bits in VectorWidths)
            {
                var c = new double[t.m * t.n];
                SmallMatrix.Multiply<double>(a, t.k, b, t.n, c, t.m, t.k, t.n, bits);
                var cf = new float[t.m * t.n];
                SmallMatrix.Multiply<float>(a.Select(v => (float)v).ToArray(), t.k, b.Select(v => (float)v).ToArray(), t.n, cf, t.m, t.k, t.n, bits);
                for (int i = 0; i < t.m; i++)
                    for (int j = 0; j < t.n; j++)
                    {
                        double expected = 0;
                        for (int p = 0; p < t.k; p++) expected += a[i * t.k + p] * b[p * t.n + j];
                        Assert.True(Math.Abs(c[i * t.n + j] - expected) <= 1e-13, $"{t} {bits} bits [{i},{j}]: {c[i * t.n + j]:R} vs {expected:R}");
                        Assert.True(Math.Abs(cf[i * t.n + j] - expected) <= 1e-5, $"{t} {bits} bits float [{i},{j}]: {cf[i * t.n + j]} vs {expected:R}");
                    }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Multiply_CoversEveryRowAndColumn_ForEveryWidthUpTo80()
    {
        // Every grouping of the column vectors and every split of the rows into tiles (1 to 9
        // rows: tiles of 2, 3 and 4, and a last tile past the end), deterministically: each
        // entry of c must be written with its own value (c starts as NaN, row i of a is
        // (1, i) and b's columns are distinct, so c[i, j] = j + i (n + j)).
        foreach (int bits in VectorWidths)
            for (int m = 1; m <= 9; m++)
                for (int n = 1; n <= 80; n++)
                {
                    const int k = 2;
                    double[] a = Enumerable.Range(0, m).SelectMany(i => new double[] { 1, i }).ToArray();
                    double[] b = Enumerable.Range(0, k * n).Select(v => (double)v).ToArray();
                    double[] c = Enumerable.Repeat(double.NaN, m * n).ToArray();
                    SmallMatrix.Multiply<double>(a, k, b, n, c, m, k, n, bits);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                            Assert.True(c[i * n + j] == j + i * (n + j), $"{bits} bits, {m} x {n}: c[{i}, {j}] = {c[i * n + j]}, expected {j + i * (n + j)}");
                }
    }

    [Fact]
    public void Multiply_OfSubmatrices_EqualsTheTripleLoopOnTheBlocks()
    {
        // Blocks of larger matrices (row strides lda >= k, ldb >= n) at random offsets.
        Prop.ForAll((from m in Gen.Choose(1, 20) from k in Gen.Choose(1, 20) from n in Gen.Choose(1, 20)
                     from padA in Gen.Choose(0, 7) from padB in Gen.Choose(0, 7) from seed in Gen.Choose(0, int.MaxValue)
                     select (m, k, n, lda: k + padA, ldb: n + padB, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            int offsetA = rng.Next(5), offsetB = rng.Next(5);
            double[] a = Enumerable.Range(0, offsetA + t.m * t.lda).Select(_ => rng.NextDouble() - 0.5).ToArray();
            double[] b = Enumerable.Range(0, offsetB + t.k * t.ldb).Select(_ => rng.NextDouble() - 0.5).ToArray();
            foreach (int bits in VectorWidths)
            {
                var c = new double[t.m * t.n];
                SmallMatrix.Multiply<double>(a.AsSpan(offsetA), t.lda, b.AsSpan(offsetB), t.ldb, c, t.m, t.k, t.n, bits);
                for (int i = 0; i < t.m; i++)
                    for (int j = 0; j < t.n; j++)
                    {
                        double expected = 0;
                        for (int p = 0; p < t.k; p++) expected += a[offsetA + i * t.lda + p] * b[offsetB + p * t.ldb + j];
                        Assert.True(Math.Abs(c[i * t.n + j] - expected) <= 1e-13, $"{t} {bits} bits [{i},{j}]");
                    }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Multiply_RejectsMismatchedLengths_NamingTheArgument()
    {
        var e = Assert.Throws<ArgumentException>(() => SmallMatrix.Multiply<double>(new double[6], new double[5], new double[4], 2, 3, 2));
        Assert.Equal("b", e.ParamName);
    }
}
