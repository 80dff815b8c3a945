// The ILGPU port of the Bregman barycenter kernels (issue 15): on ILGPU's CPU accelerator
// against Barycenter.Bregman on the CPU, by the same stopping rule and for a fixed number of
// iterations (their PTX: Accelerators/KernelPtxTests).
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class BarycenterKernelTests
{
    [Fact]
    public void StopsByTheSameRule_AsTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        var grid = new ImageGridCost(6, 7);
        var rng = new Random(11);
        double[] images = Enumerable.Range(0, 3 * 42).Select(_ => rng.NextDouble() < 0.3 ? 0 : rng.NextDouble()).ToArray();
        // The kernels run the log-domain iteration; on a grid the CPU would take the kernel form.
        var options = new BarycenterOptions { Epsilon = 1.0, Tolerance = 1e-5, MaxIterations = 5000, Domain = BarycenterDomain.Log };
        BarycenterResult kernel = Barycenter.Bregman(device, images, [], grid, options);
        BarycenterResult cpu = Barycenter.Bregman(images, [], grid, options);
        Assert.Equal(SinkhornStatus.Converged, cpu.Status);
        Assert.Equal(SinkhornStatus.Converged, kernel.Status);
        Assert.InRange(kernel.Iterations, cpu.Iterations - 10, cpu.Iterations + 10); // one check apart at most
        double scale = cpu.Barycenter.Max();
        for (int p = 0; p < 42; p++) Assert.Equal(cpu.Barycenter[p], kernel.Barycenter[p], 1e-4 * scale);
        Assert.Throws<ArgumentException>("options", () => Barycenter.Bregman(device, images, [], grid, options with { Domain = BarycenterDomain.Kernel }));
    }

    [Fact]
    public void FixedIterations_OnGeneratedDenseCosts_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll((from n in Gen.Choose(1, 20) from m in Gen.Choose(1, 20) from count in Gen.Choose(1, 4) from eps in Gen.Choose(10, 100)
                     from omega in Gen.Elements(1.0, 1.5, 1.8) from steps in Gen.Elements(4, 30) from seed in Gen.Choose(0, int.MaxValue)
                     select (n, m, count, eps: eps / 100.0, omega, steps, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var cost = new DenseCost(Enumerable.Range(0, t.n * t.m).Select(_ => 2 * rng.NextDouble()).ToArray(), t.n, t.m);
            double[] histograms = Enumerable.Range(0, t.count * t.n).Select(i => i % 3 == 1 ? 0 : 0.1 + rng.NextDouble()).ToArray();
            for (int k = 0; k < t.count; k++) histograms[k * t.n] += 0.5; // no histogram all zero
            double[] weights = Enumerable.Range(0, t.count).Select(k => 1.0 + k).ToArray();
            // Tolerance 0 never stops early: 4 or 30 steps on both sides, over-relaxed from the
            // same step (4 steps see a schedule one step off; by 30 its effect has faded).
            var options = new BarycenterOptions { Epsilon = t.eps, MaxIterations = t.steps, Tolerance = 0, Domain = BarycenterDomain.Log, OverRelaxation = t.omega };
            BarycenterResult kernel = Barycenter.Bregman(device, histograms, weights, cost, options);
            BarycenterResult cpu = Barycenter.Bregman(histograms, weights, cost, options);
            double scale = Math.Max(1e-12, cpu.Barycenter.Max());
            for (int j = 0; j < t.m; j++)
                Assert.True(Math.Abs(kernel.Barycenter[j] - cpu.Barycenter[j]) <= 1e-4 * scale, $"{t}: bar[{j}] = {kernel.Barycenter[j]} on the kernel, {cpu.Barycenter[j]} on the CPU");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(12));
    }
}
