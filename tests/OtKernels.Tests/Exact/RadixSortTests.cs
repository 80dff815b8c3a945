using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using Xunit;

namespace OtKernels.Tests.Exact;

public class RadixSortTests
{
    private static int[] Sorted(double[] keys)
    {
        int n = keys.Length;
        int[] items = Enumerable.Range(0, n).ToArray();
        RadixSort.SortByKey(keys, items, new ulong[n], new ulong[n], new int[n]);
        return items;
    }

    [Fact]
    public void Order_EqualsAStableComparisonSort_OnKeysWithTiesSignsAndScales()
    {
        // Keys from a small set (ties are common) spanning signs, magnitudes from 1e-300 to
        // 1e300, infinities and subnormals; the oracle is LINQ's stable OrderBy.
        double[] values = [double.NegativeInfinity, -1e300, -3.5, -1, -1e-300, -double.Epsilon, 0, double.Epsilon, 1e-300, 0.25, 1, 1 + 1e-15, 7, 1e300, double.PositiveInfinity];
        Prop.ForAll((from length in Gen.Choose(1, 600)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (length, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] keys = Enumerable.Range(0, t.length).Select(_ => values[rng.Next(values.Length)]).ToArray();
            int[] expected = Enumerable.Range(0, t.length).OrderBy(k => keys[k]).ToArray();
            Assert.Equal(expected, Sorted(keys));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void NegativeZero_SortsBeforePositiveZero_AndEqualKeysKeepTheirOrder()
    {
        Assert.Equal([1, 3, 0, 2], Sorted([0.0, -0.0, 0.0, -0.0]));
    }
}
