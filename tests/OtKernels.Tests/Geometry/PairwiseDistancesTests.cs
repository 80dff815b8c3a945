// The CPU pairwise distances (the reference of the device kernel) against the definition.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Geometry;

public class PairwiseDistancesTests
{
    [Fact]
    public void SquaredEuclidean_OnTheCpu_IsTheSumOfSquaredDifferences()
    {
        Prop.ForAll((from p in Gen.Choose(0, 20) from q in Gen.Choose(0, 20) from d in Gen.Choose(1, 40) from seed in Gen.Choose(0, int.MaxValue)
                     select (p, q, d, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] u = Enumerable.Range(0, t.p * t.d).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            float[] v = Enumerable.Range(0, t.q * t.d).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            float[] distances = PairwiseDistances.SquaredEuclidean(new CpuAccelerator(), u, v, t.d);
            Assert.Equal(t.p * t.q, distances.Length);
            for (int i = 0; i < t.p; i++)
                for (int j = 0; j < t.q; j++)
                {
                    double expected = 0;
                    for (int k = 0; k < t.d; k++) expected += (u[i * t.d + k] - (double)v[j * t.d + k]) * (u[i * t.d + k] - (double)v[j * t.d + k]);
                    Assert.Equal(expected, distances[i * t.q + j], 1e-5);
                }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void SquaredEuclidean_RefusesRaggedInput()
    {
        var e = Assert.Throws<ArgumentException>(() => PairwiseDistances.SquaredEuclidean(new CpuAccelerator(), new float[5], new float[4], 2));
        Assert.Equal("u", e.ParamName);
    }
}
