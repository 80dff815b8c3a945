// UnrolledCloudDistance on a device (ILGPU's CPU accelerator running the kernels in float)
// against its CPU code (double): the Value and Divergence readings on both ground metrics and
// their unrolled gradients, the self-terms alone, packed and partial groups; what the kernels
// do not compute is refused by name, and the self-term reverse kernel compiles to PTX.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Autodiff.Entropic.Device;
using OtKernels.Conformance;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Autodiff.Tests.Entropic;

public class UnrolledCloudDistanceDeviceTests
{
    /// <summary>This class's own ILGPU CPU accelerator: its live-buffer count is checked here
    /// while the conformance tests check theirs on Device.Value in parallel.</summary>
    private static readonly Lazy<DeviceAccelerator> Device = new(() => (DeviceAccelerator)Accelerator.Create(AcceleratorKind.IlgpuCpu));

    /// <summary>P pairs of n- and m-point clouds in R^d at eps after L steps, a reading and a metric.</summary>
    public sealed record Case(int Pairs, int N, int M, int D, double Epsilon, int Steps, EntropicDistanceKind Kind, GroundMetric Metric, int Seed)
    {
        public EntropicDistanceOptions Options => new() { Epsilon = Epsilon, Iterations = Steps, Kind = Kind, Metric = Metric };
    }

    private static readonly Gen<Case> Cases =
        from pairs in Gen.Choose(1, 4)
        from n in Gen.Choose(1, 12)
        from m in Gen.Choose(1, 12)
        from d in Gen.Choose(1, 3)
        from eps in Gen.Choose(5, 100)
        from steps in Gen.Choose(1, 15)
        from kind in Gen.Elements(EntropicDistanceKind.Value, EntropicDistanceKind.Divergence)
        from metric in Gen.Elements(GroundMetric.SqEuclidean, GroundMetric.Euclidean)
        from seed in Gen.Choose(0, int.MaxValue)
        select new Case(pairs, n, m, d, eps / 100.0, steps, kind, metric, seed);

    [Fact]
    public void DistancesAndGradients_MatchTheCpuCode() =>
        Prop.ForAll(Cases.ToArbitrary(), AssertMatches).Check(Config.QuickThrowOnFailure.WithMaxTest(12));

    /// <summary>20 pairs of 20 points (teams of 16 lanes, 16 to a group): a full group and a
    /// partial one whose spare teams have no problem and must write nothing.</summary>
    [Theory]
    [InlineData(GroundMetric.SqEuclidean)]
    [InlineData(GroundMetric.Euclidean)]
    public void InPackedAndPartialGroups_TheDivergenceMatchesTheCpuCode(GroundMetric metric) =>
        AssertMatches(new Case(20, 20, 20, 2, 0.3, 10, EntropicDistanceKind.Divergence, metric, 5));

    [Fact]
    public void SelfValues_MatchTheCpuCode()
    {
        var rng = new Random(3);
        const int count = 7, n = 9, d = 3;
        float[] x = Points(rng, count * n * d);
        foreach (GroundMetric metric in new[] { GroundMetric.SqEuclidean, GroundMetric.Euclidean })
        {
            var options = new EntropicDistanceOptions { Epsilon = 0.2, Iterations = 12, Kind = EntropicDistanceKind.Divergence, Metric = metric };
            double[] cpu = new double[count], device = new double[count];
            UnrolledCloudDistance.SelfValues(x, n, d, options, cpu);
            UnrolledCloudDistance.SelfValues(Device.Value, x, n, d, options, device);
            for (int p = 0; p < count; p++) Assert.True(Math.Abs(cpu[p] - device[p]) <= 1e-5 * (1 + Math.Abs(cpu[p])), $"{metric} cloud {p}: {device[p]} vs {cpu[p]}");
        }
        Assert.Equal(0, Device.Value.LiveBuffers);
    }

    [Fact]
    public void OnADevice_TransportCostAndEnvelopeGradients_AreRefusedByName_AndTheCpuAcceleratorRunsThem()
    {
        float[] x = [0, 1], y = [0.5f, 2];
        var transport = new EntropicDistanceOptions { Kind = EntropicDistanceKind.TransportCost };
        var envelope = new EntropicDistanceOptions { Kind = EntropicDistanceKind.Value, Gradient = EntropicGradient.Envelope };
        var e = Assert.Throws<ArgumentException>(() => UnrolledCloudDistance.Compute(Device.Value, x, y, 2, 2, 1, transport, new double[1], null, null, null));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("TransportCost", e.Message);
        e = Assert.Throws<ArgumentException>(() => UnrolledCloudDistance.Compute(Device.Value, x, y, 2, 2, 1, envelope, new double[1], [1.0], new float[2], new float[2]));
        Assert.Contains("Envelope", e.Message);
        using var cpu = new CpuAccelerator();
        double[] viaAccelerator = new double[1], direct = new double[1];
        UnrolledCloudDistance.Compute(cpu, x, y, 2, 2, 1, transport, viaAccelerator, null, null, null);
        UnrolledCloudDistance.Compute(x, y, 2, 2, 1, transport, direct);
        Assert.Equal(direct, viaAccelerator);
    }

    [Fact]
    public void SelfTermReverseKernel_CompilesToPtx_WithoutSpills() =>
        KernelCases.AssertPtxWithoutSpills(typeof(SinkhornSelfUnrolledKernel).GetMethod(nameof(SinkhornSelfUnrolledKernel.Gradients))!);

    private static float[] Points(Random rng, int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble()).ToArray();

    /// <summary>Distances within 1e-4 of the cross term's scale (a divergence is a difference of
    /// terms of that size, so float rounding is absolute there), gradients within the
    /// conformance tolerance of each side's scale (KernelCases.AssertClose's rule).</summary>
    private static void AssertMatches(Case c)
    {
        var rng = new Random(c.Seed);
        float[] x = Points(rng, c.Pairs * c.N * c.D), y = Points(rng, c.Pairs * c.M * c.D);
        double[] upstream = [.. Enumerable.Range(0, c.Pairs).Select(p => 1 - 0.4 * p)];
        double[] cpu = new double[c.Pairs], device = new double[c.Pairs], crossScale = new double[c.Pairs];
        float[] cpuX = new float[x.Length], cpuY = new float[y.Length], deviceX = new float[x.Length], deviceY = new float[y.Length];
        UnrolledCloudDistance.Compute(x, y, c.N, c.M, c.D, c.Options, cpu, upstream, cpuX, cpuY);
        UnrolledCloudDistance.Compute(Device.Value, x, y, c.N, c.M, c.D, c.Options, device, upstream, deviceX, deviceY);
        UnrolledCloudDistance.Compute(x, y, c.N, c.M, c.D, c.Options with { Kind = EntropicDistanceKind.Value }, crossScale);
        double scale = 1 + crossScale.Max(Math.Abs);
        for (int p = 0; p < c.Pairs; p++)
            Assert.True(Math.Abs(cpu[p] - device[p]) <= KernelConformance.IterationTolerance * scale, $"{c}: pair {p} is {device[p]} on the device, {cpu[p]} on the CPU");
        double overall = cpuX.Concat(cpuY).Select(v => Math.Abs((double)v)).Max();
        foreach ((string name, float[] actual, float[] expected) in new[] { ("x", deviceX, cpuX), ("y", deviceY, cpuY) })
        {
            double side = Math.Max(Math.Max(0.1 * overall, 1e-30), expected.Select(v => Math.Abs((double)v)).Max());
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= KernelConformance.IterationTolerance * side,
                    $"{c}: d/d{name}[{i}] = {actual[i]} on the device, {expected[i]} on the CPU");
        }
        // Without upstreams the forward alone gives the same distances.
        double[] forward = new double[c.Pairs];
        UnrolledCloudDistance.Compute(Device.Value, x, y, c.N, c.M, c.D, c.Options, forward, null, null, null);
        Assert.Equal(device, forward);
        Assert.Equal(0, Device.Value.LiveBuffers);
    }
}
