using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.LinearAlgebra;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class ChunkedDeviationsTests
{
    [Fact]
    public void Deviations_AreTheStandardDeviations_EvenWhereTheProductsNearlyAgree()
    {
        // Products p = x y around a base from 1e-3 to 1e3 with relative spreads from 1 down to
        // 1e-10 (a converging barycenter's), in chunks of every size to 9 with a short last
        // chunk; every n to 11 covers the vector and scalar paths. Against the exact variance
        // of the rounded products (integers): the one-pass E[p^2] - E[p]^2 in doubles misses it
        // by far more than the bound where the spread is small.
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            int n = rng.Next(1, 12), count = rng.Next(1, 41), size = rng.Next(1, 10);
            double scale = Math.Pow(10, rng.Next(-3, 4)), spread = Math.Pow(10, -rng.Next(0, 11));
            double[][] x = Draw(rng, count, n, () => scale * (1 + spread * (rng.NextDouble() - 0.5)));
            double[][] y = Draw(rng, count, n, () => 1 + spread * (rng.NextDouble() - 0.5));
            double[] std = Deviations(x, y, size, 0, n);
            for (int p = 0; p < n; p++)
            {
                double expected = ExactStandardDeviation(Enumerable.Range(0, count).Select(k => x[k][p] * y[k][p]).ToArray());
                Assert.Equal(expected, std[p], 1e-14 * scale + 1e-12 * expected);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Deviations_HaveTheSameBits_WhereverTheRangeIsSplit()
    {
        // The team gives each worker a part of the pixels: a pixel's deviation must not depend
        // on its part, nor on whether it fell in a vector's lanes or the scalar tail.
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            int n = rng.Next(1, 30), count = rng.Next(1, 30), size = rng.Next(1, 10), split = rng.Next(0, n + 1);
            double[][] x = Draw(rng, count, n, () => rng.NextDouble());
            double[][] y = Draw(rng, count, n, () => rng.NextDouble());
            double[] whole = Deviations(x, y, size, 0, n);
            double[] parts = [.. Deviations(x, y, size, 0, split), .. Deviations(x, y, size, split, n)];
            Assert.Equal(whole.Select(BitConverter.DoubleToInt64Bits), parts.Select(BitConverter.DoubleToInt64Bits));
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>The population standard deviation of positive normal doubles, from the exact
    /// variance: with p_k = P_k 2^e for integers P_k, count^2 var = (count sum P_k^2 - (sum P_k)^2) 4^e.</summary>
    private static double ExactStandardDeviation(double[] values)
    {
        (long Mantissa, int Exponent) Split(double v)
        {
            long bits = BitConverter.DoubleToInt64Bits(v);
            return ((bits & ((1L << 52) - 1)) | (1L << 52), (int)((bits >> 52) & 0x7FF) - 1075);
        }
        var parts = values.Select(Split).ToArray();
        int e = parts.Min(q => q.Exponent);
        BigInteger[] integers = parts.Select(q => new BigInteger(q.Mantissa) << (q.Exponent - e)).ToArray();
        BigInteger sum = integers.Aggregate(BigInteger.Zero, (a, b) => a + b);
        BigInteger squares = integers.Aggregate(BigInteger.Zero, (a, b) => a + b * b);
        BigInteger numerator = values.Length * squares - sum * sum;
        // Divide in integers first so that the double conversion keeps 53 bits.
        int shift = Math.Max(0, (int)numerator.GetBitLength() - 120);
        double variance = (double)((numerator >> shift << 64) / (new BigInteger(values.Length) * values.Length));
        return Math.Sqrt(Math.ScaleB(variance, 2 * e + shift - 64));
    }

    private static double[][] Draw(Random rng, int count, int n, Func<double> value) =>
        Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, n).Select(_ => value()).ToArray()).ToArray();

    /// <summary>The deviations of pixels [start, end) as the grid barycenter takes them: Add per
    /// image into its chunk's statistics, then Merge.</summary>
    private static double[] Deviations(double[][] x, double[][] y, int size, int start, int end)
    {
        int count = x.Length, n = x[0].Length, chunks = (count + size - 1) / size;
        var means = new double[chunks * n];
        var m2s = new double[chunks * n];
        for (int k = 0; k < count; k++)
            ChunkedDeviations.Add<Elementwise.Multiply>(x[k], y[k], k % size, means.AsSpan(k / size * n, n), m2s.AsSpan(k / size * n, n));
        var std = new double[end - start];
        ChunkedDeviations.Merge(means, m2s, size, count, n, start, new double[end - start], std);
        return std;
    }
}
