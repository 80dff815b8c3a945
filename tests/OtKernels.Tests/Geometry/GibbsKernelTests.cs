using FsCheck;
using FsCheck.Fluent;
using OtKernels.Geometry;
using OtKernels.Tests.Entropic;
using Xunit;

namespace OtKernels.Tests.Geometry;

public class GibbsKernelTests
{
    [Fact]
    public void StoredKernelSoftMin_EqualsTheLogDomainSoftMin_EvenWhereItsSumsUnderflow()
    {
        // Potentials spread over up to 1500 units (most inputs then sit at the exp floor) and
        // eps from the largest cost down to 1e-3 of it (stored while C/eps <= 600 in double and
        // 50 in float, delegated beyond). Compared with the dense log-domain soft-min
        // (independent code), in both precisions, with absent entries, on both axes; up to 80
        // points a side, so that both the fused loops (up to 64 outputs) and the product path run.
        Prop.ForAll((from n in Gen.Choose(1, 80) from m in Gen.Choose(1, 80) from seed in Gen.Choose(0, int.MaxValue) select (n, m, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            double[] x = Enumerable.Range(0, 2 * t.n).Select(_ => rng.NextDouble()).ToArray();
            double[] y = Enumerable.Range(0, 2 * t.m).Select(_ => rng.NextDouble()).ToArray();
            var cost = new PointCloudCost(x, y, 2);
            var dense = ReferenceCost.Of(cost);
            double eps = Math.Max(cost.MaxCost(), 1e-3) * Math.Pow(10, -3 * rng.NextDouble()); // 1 to 1e-3 of the largest cost: stored and not
            double spread = rng.NextDouble() < 0.5 ? 3 : 1500;
            foreach (SoftMinAxis axis in Enum.GetValues<SoftMinAxis>())
            {
                int inner = axis == SoftMinAxis.OverColumns ? t.m : t.n, outer = t.n + t.m - inner;
                double[] h = Enumerable.Range(0, inner).Select(_ => rng.NextDouble() < 0.2 ? double.NegativeInfinity : spread * rng.NextDouble()).ToArray();
                h[rng.Next(inner)] = 0;
                var expected = new double[outer];
                dense.SoftMin(axis, eps, h, expected);
                var viaKernel = new double[outer];
                new GibbsKernel<double>(cost, eps, new SoftMinWorkspace<double>()).SoftMin(axis, h, viaKernel);
                var single = new float[outer];
                new GibbsKernel<float>(cost, (float)eps, new SoftMinWorkspace<float>()).SoftMin(axis, h.Select(v => (float)v).ToArray(), single);
                for (int o = 0; o < outer; o++)
                {
                    double scale = 1 + Math.Abs(expected[o]);
                    Assert.True(Math.Abs(viaKernel[o] - expected[o]) <= 1e-12 * scale, $"{t} {axis} eps {eps} [{o}]: {viaKernel[o]:R} vs {expected[o]:R}");
                    Assert.True(Math.Abs(single[o] - expected[o]) <= 1e-5 * scale, $"{t} {axis} float [{o}]: {single[o]} vs {expected[o]:R}");
                }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void NegativeAndOffsetCosts_AreStoredRelativeToTheirMinimum()
    {
        // exp(-C/eps) of a cost of -500 at eps 0.5 would overflow; the kernel is stored as
        // exp(-(C - min C)/eps) and min C added back. Compared with the dense log-domain path.
        var rng = new Random(4);
        foreach (double offset in new[] { -500.0, 0.0, 300.0 })
        {
            double[] values = Enumerable.Range(0, 7 * 5).Select(_ => offset + 10 * rng.NextDouble()).ToArray();
            var cost = new DenseCost(values, 7, 5);
            var dense = ReferenceCost.Of(cost);
            double[] h = Enumerable.Range(0, 5).Select(_ => rng.NextDouble()).ToArray();
            var expected = new double[7];
            var viaKernel = new double[7];
            dense.SoftMin(SoftMinAxis.OverColumns, 0.5, h, expected);
            new GibbsKernel<double>(cost, 0.5, new SoftMinWorkspace<double>()).SoftMin(SoftMinAxis.OverColumns, h, viaKernel);
            for (int o = 0; o < 7; o++)
                Assert.True(Math.Abs(viaKernel[o] - expected[o]) <= 1e-12 * (1 + Math.Abs(expected[o])), $"offset {offset} [{o}]: {viaKernel[o]:R} vs {expected[o]:R}");
        }
    }

    [Fact]
    public void EveryInputAbsent_GivesPlusInfinity_AndWrongLengthsNameTheArgument()
    {
        var cost = new DenseCost(new double[] { 0, 1, 1, 0, 2, 2 }, 3, 2);
        var kernel = new GibbsKernel<double>(cost, 0.5, new SoftMinWorkspace<double>());
        var result = new double[3];
        kernel.SoftMin(SoftMinAxis.OverColumns, [double.NegativeInfinity, double.NegativeInfinity], result);
        Assert.All(result, v => Assert.Equal(double.PositiveInfinity, v));
        ArgumentException? e = null;
        try { new GibbsKernel<double>(cost, 0.5, new SoftMinWorkspace<double>()).SoftMin(SoftMinAxis.OverRows, [0.0, 0.0], new double[2]); }
        catch (ArgumentException caught) { e = caught; }
        Assert.Equal("h", e?.ParamName);
    }
}
