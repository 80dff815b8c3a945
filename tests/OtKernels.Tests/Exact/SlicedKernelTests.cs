// The sliced Wasserstein kernel on ILGPU's CPU accelerator against the CPU batch (double) on
// generated batches (zero masses, unequal sizes, p = 1, 2, 3, mean and max, with and without
// the gradient), its refusal
// of clouds too large for a group (its PTX: Accelerators/KernelPtxTests).
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Exact;
using OtKernels.Exact.Device;
using Xunit;

namespace OtKernels.Tests.Exact;

public class SlicedKernelTests
{
    [Fact]
    public void DistanceBatch_OnTheDevice_MatchesTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Prop.ForAll((from batch in Gen.Choose(1, 3) from n in Gen.Choose(1, 40) from m in Gen.Choose(1, 40) from d in Gen.Choose(1, 3)
                     from count in Gen.Choose(1, 6) from seed in Gen.Choose(0, int.MaxValue) from p in Gen.Elements(1.0, 2.0, 3.0)
                     from max in Gen.Elements(false, true) from gradient in Gen.Elements(false, true)
                     select (batch, n, m, d, count, seed, p, max, gradient)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            float[] Weights(int size) => Enumerable.Range(0, t.batch).SelectMany(_ =>
            {
                double[] w = Enumerable.Range(0, size).Select(i => size > 1 && rng.Next(4) == 0 ? 0 : rng.NextDouble() + 0.1).ToArray();
                if (w.Sum() == 0) w[0] = 1; // zero masses planted, never all of them
                return w.Select(v => (float)(v / w.Sum()));
            }).ToArray();
            float[] Points(int size) => Enumerable.Range(0, t.batch * size * t.d).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] a = Weights(t.n), b = Weights(t.m), x = Points(t.n), y = Points(t.m);
            float[] theta = Array.ConvertAll(SlicedWasserstein.RandomProjections(t.d, t.count, t.seed), v => (float)v);
            float[] kernelGradient = new float[t.gradient ? x.Length : 0], referenceGradient = new float[kernelGradient.Length];
            double[] kernel = SlicedWasserstein.DistanceBatch(device, t.batch, a, b, x, y, t.d, theta, t.p, t.max, kernelGradient);
            double[] reference = SlicedWasserstein.DistanceBatch(cpu, t.batch, a, b, x, y, t.d, theta, t.p, t.max, referenceGradient);
            for (int k = 0; k < t.batch; k++)
                Assert.True(Math.Abs(kernel[k] - reference[k]) <= 1e-4 * Math.Max(1e-2, reference[k]), $"{t} problem {k}: kernel {kernel[k]:R}, CPU {reference[k]:R}");
            // Norm-wise: the gradient of a point of zero mass (or at a tie) is zero up to rounding.
            double scale = referenceGradient.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
            for (int e = 0; e < kernelGradient.Length; e++)
                Assert.True(Math.Abs(kernelGradient[e] - referenceGradient[e]) <= 1e-4 * Math.Max(1e-3, scale),
                    $"{t}: dSW/dx[{e}] = {kernelGradient[e]:R} on the kernel, {referenceGradient[e]:R} on the CPU");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    [Fact]
    public void CloudsTooLargeForAGroup_AreRefused_AndBadMassesNamed()
    {
        // 48 KiB, a CUDA group's default: five floats a point of the padded width.
        Assert.Equal(2048, SlicedKernel.Padded(2048, 1500, 48 * 1024, "a GPU"));
        Assert.Throws<ArgumentOutOfRangeException>("x", () => SlicedKernel.Padded(2049, 3, 48 * 1024, "a GPU"));
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        var bad = Assert.Throws<ArgumentException>(() => SlicedWasserstein.DistanceBatch(device, 2, new float[] { 1, 1 }, new float[] { 1, 2 },
            new float[] { 0, 1 }, new float[] { 0, 1 }, 1, new float[] { 1 }));
        Assert.StartsWith("Problem 1 of the batch: a sums to 1 and b to 2", bad.Message);
    }
}
