// The ILGPU port of the batched point-cloud Sinkhorn kernels (issue 15): on ILGPU's CPU
// accelerator against the CPU code (Sinkhorn.SolveBatch and SinkhornDivergence.SolveBatch
// in float) on generated batches, fixed iterations and tolerance with epsilon scaling and
// over-relaxation, zero weights planted (their PTX: Accelerators/KernelPtxTests). The CPU accelerator runs one .NET thread per
// kernel thread, so the batches are small.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class SinkhornKernelTests
{
    /// <summary>Float32 over 30 iterations: the CPU and the kernel sum in different orders,
    /// and each iteration carries the other's rounding forward (the OpenCL kernels' stated
    /// tolerance, KernelConformance.IterationTolerance).</summary>
    private const double IterationTolerance = 1e-4;

    public sealed record Case(int Batch, int N, int M, int D, double Epsilon, int Seed)
    {
        /// <summary>The batch with b at 1.6 times a's mass, for unbalanced transport.</summary>
        public PointCloudBatch GenerateUnbalanced()
        {
            PointCloudBatch balanced = Generate();
            float[] heavier = balanced.B.ToArray().Select(w => 1.6f * w).ToArray();
            return PointCloudBatch.Unbalanced(Batch, N, M, D, balanced.X, balanced.Y, balanced.A, heavier);
        }

        public PointCloudBatch Generate()
        {
            var rng = new Random(Seed);
            float[] Points(int count) => Enumerable.Range(0, Batch * count * D).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] Weights(int count)
            {
                var w = new float[Batch * count];
                for (int k = 0; k < Batch; k++)
                {
                    // Every third weight zero (planted padding), the rest normalised in double.
                    double[] raw = Enumerable.Range(0, count).Select(i => count > 1 && (i + k) % 3 == 1 ? 0 : 0.1 + rng.NextDouble()).ToArray();
                    double sum = raw.Sum();
                    for (int i = 0; i < count; i++) w[k * count + i] = (float)(raw[i] / sum);
                }
                return w;
            }
            return new PointCloudBatch(Batch, N, M, D, Points(N), Points(M), Weights(N), Weights(M));
        }
    }

    private static Arbitrary<Case> Cases() =>
        (from batch in Gen.Choose(1, 3)
         from n in Gen.Choose(1, 24)
         from m in Gen.Choose(1, 24)
         from d in Gen.Choose(1, 3)
         from eps in Gen.Choose(5, 100)
         from seed in Gen.Choose(0, int.MaxValue)
         select new Case(batch, n, m, d, eps / 100.0, seed)).ToArbitrary();

    [Fact]
    public void FixedIterations_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll(Cases(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 30, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
            SinkhornResult<float> kernel = Sinkhorn.SolveBatch(device, batch, options);
            SinkhornResult<float> cpu = Sinkhorn.SolveBatch(batch.A, batch.B, batch.CostOf, options);
            Close(c, "f", kernel.F, cpu.F, IterationTolerance);
            Close(c, "g", kernel.G, cpu.G, IterationTolerance);
            Close(c, "value", kernel.Value.Select(v => (float)v).ToArray(), cpu.Value.Select(v => (float)v).ToArray(), IterationTolerance);
            Assert.Equal(cpu.Iterations, kernel.Iterations);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(12));
    }

    [Fact]
    public void Tape_HoldsTheCpusIterates()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll(Cases(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 12, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
            (SinkhornResult<float> result, float[] tape) = SinkhornKernel.SolveTaped(device, batch, options);
            int n = c.N, m = c.M;
            for (int k = 0; k < c.Batch; k++)
            {
                var cpuTape = new SinkhornTape<float>();
                Sinkhorn.Solve(batch.A.Span.Slice(k * n, n), batch.B.Span.Slice(k * m, m), batch.CostOf(k), options, cpuTape);
                Assert.Equal(options.MaxIterations, cpuTape.Count);
                for (int t = 0; t < cpuTape.Count; t++)
                {
                    long at = ((long)k * options.MaxIterations + t) * (n + m);
                    Close(c, $"f_{t} of problem {k}", tape.AsSpan((int)at, n).ToArray(), cpuTape.F(t).ToArray(), IterationTolerance);
                    Close(c, $"g_{t} of problem {k}", tape.AsSpan((int)at + n, m).ToArray(), cpuTape.G(t).ToArray(), IterationTolerance);
                }
            }
            Assert.Throws<ArgumentException>("options", () => SinkhornKernel.SolveTaped(device, batch, options with { EpsilonScaling = 0.5 }));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(6));
    }

    [Fact]
    public void Tolerance_EpsilonScaling_AndOverRelaxation_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll(Cases(), c => ToleranceCase(device, c)).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    /// <summary>Problem 0 stopped at 9.89e-5 against a tolerance of 1e-4 in the kernel, whose
    /// check lacked the rounding floor the CPU adds (the CPU went on to 3.4e-7): the kernel now
    /// decides with Sinkhorn.CheckStatus's rule.</summary>
    [Fact]
    public void Tolerance_Regression_TheKernelChecksWithTheCpusRule()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        ToleranceCase(device, new Case(3, 23, 4, 2, 0.1, 1261216043));
    }

    private static void ToleranceCase(DeviceAccelerator device, Case c)
    {
        PointCloudBatch batch = c.Generate();
        // A tolerance float can certify at these eps (1e-6 is below its rounding floor).
        var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-4, EpsilonScaling = 0.5, OverRelaxation = 1.5 };
        SinkhornResult<float> kernel = Sinkhorn.SolveBatch(device, batch, options);
        SinkhornResult<float> cpu = Sinkhorn.SolveBatch(batch.A, batch.B, batch.CostOf, options);
        Assert.Equal(cpu.Status, kernel.Status);
        // Both stop at the first check within the tolerance; float rounding may move an
        // error that lands on the threshold by one check, never more (without the
        // over-relaxation the kernel needs hundreds more iterations).
        for (int k = 0; k < c.Batch; k++)
            Assert.True(Math.Abs(cpu.Iterations[k] - kernel.Iterations[k]) <= options.CheckEvery,
                $"{c}: problem {k} stopped after {kernel.Iterations[k]} iterations on the kernel, {cpu.Iterations[k]} on the CPU");
        // Values agree to what a marginal error of 1e-4 allows.
        Close(c, "value", kernel.Value.Select(v => (float)v).ToArray(), cpu.Value.Select(v => (float)v).ToArray(), 1e-3);
    }

    /// <summary>Problems share a group in teams: 20 problems of 20 points are 16 teams of 16
    /// threads (each owning two outputs) in a first group and 4 in a second, whose 12 other
    /// teams have no problem; in tolerance mode each problem stops at its own iteration while
    /// its group runs on.</summary>
    [Fact]
    public void PackedTeams_StopIndependently_AndAPartialGroupWritesOnlyItsProblems()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        var c = new Case(20, 20, 19, 2, 0.05, 424242);
        PointCloudBatch batch = c.Generate();
        Packing pack = Packing.For(device, batch.Batch, c.N, c.M, team => SinkhornKernel.WorkFloats(c.N, c.M, c.D, team), "batch", "test");
        Assert.Equal(new Packing(16, 16, 2), pack);
        var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-4, EpsilonScaling = 0.5 };
        SinkhornResult<float> kernel = Sinkhorn.SolveBatch(device, batch, options);
        SinkhornResult<float> cpu = Sinkhorn.SolveBatch(batch, options);
        Assert.Equal(cpu.Status, kernel.Status);
        Assert.True(cpu.Iterations.Distinct().Count() > 1, "the problems should stop at different iterations");
        for (int k = 0; k < c.Batch; k++)
            Assert.True(Math.Abs(cpu.Iterations[k] - kernel.Iterations[k]) <= options.CheckEvery, $"problem {k}: {kernel.Iterations[k]} vs {cpu.Iterations[k]}");
        Close(c, "value", kernel.Value.Select(v => (float)v).ToArray(), cpu.Value.Select(v => (float)v).ToArray(), 1e-3);
        // Fixed iterations: the same potentials as the CPU for every problem of both groups.
        var fixedIterations = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 30, Mode = SinkhornMode.Unrolled, Tolerance = 0 };
        kernel = Sinkhorn.SolveBatch(device, batch, fixedIterations);
        cpu = Sinkhorn.SolveBatch(batch, fixedIterations);
        Close(c, "f", kernel.F, cpu.F, IterationTolerance);
        Close(c, "g", kernel.G, cpu.G, IterationTolerance);
    }

    [Fact]
    public void Packing_FillsAGroupWithSmallProblems_AsTheSharedMemoryAllows()
    {
        // An H100's limits: 1024 threads and 48 KiB of shared memory per block.
        Packing Pack(int problems, int n, int d) => Packing.For(1024, 48 * 1024, "H100", problems, n, n, team => SinkhornKernel.WorkFloats(n, n, d, team), "batch", "test");
        Assert.Equal(new Packing(8, 32, 31250), Pack(1_000_000, 16, 2));    // 8 lanes of two outputs per problem, 32 problems per group
        Assert.Equal(new Packing(32, 4, 250000), Pack(1_000_000, 64, 16));  // a warp per problem; 10.4 KiB each: 4 fit
        Assert.Equal(new Packing(1, 3, 1), Pack(3, 1, 1));                  // never more teams than problems
        Assert.Equal(new Packing(32, 2, 3), Pack(5, 33, 64));               // 17.8 KiB per problem: 2 fit, 3 groups
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => Pack(5, 33, 200)); // 53 KiB: not even one
        Assert.Equal(new Packing(128, 1, 1), Pack(1, 256, 16));             // the largest stated size: 42.5 KiB
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => Pack(1, 256, 64)); // 134 KiB: ILGPU does not opt in above 48
    }

    [Fact]
    public void Divergence_ThreeProblemsPerPair_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll(Cases(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var options = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-4, EpsilonScaling = 0.5 };
            SinkhornDivergenceResult<float> kernel = SinkhornDivergence.SolveBatch(device, batch, options);
            SinkhornDivergenceResult<float> cpu = SinkhornDivergence.SolveBatch(batch.A, batch.B, batch.CostOf, options);
            Assert.Equal(cpu.Cross.Status, kernel.Cross.Status);
            Assert.Equal(cpu.SelfStatusA, kernel.SelfStatusA);
            Assert.Equal(cpu.SelfStatusB, kernel.SelfStatusB);
            Close(c, "S", kernel.Value.Select(v => (float)v).ToArray(), cpu.Value.Select(v => (float)v).ToArray(), 1e-3);
            Close(c, "OT(a, a)", kernel.SelfValueA.Select(v => (float)v).ToArray(), cpu.SelfValueA.Select(v => (float)v).ToArray(), 1e-3);
            Close(c, "OT(b, b)", kernel.SelfValueB.Select(v => (float)v).ToArray(), cpu.SelfValueB.Select(v => (float)v).ToArray(), 1e-3);
            Close(c, "self-term potential of a", kernel.FSelfA, cpu.FSelfA, 1e-3);
            Close(c, "self-term potential of b", kernel.FSelfB, cpu.FSelfB, 1e-3);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    [Fact]
    public void SharedDenseCost_OneAgainstManyAndPerProblem_MatchesTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Prop.ForAll(Cases(), c =>
        {
            PointCloudBatch batch = c.Generate();
            var rng = new Random(c.Seed);
            var cost = new OtKernels.Geometry.DenseCost(Enumerable.Range(0, c.N * c.M).Select(_ => 2 * rng.NextDouble()).ToArray(), c.N, c.M);
            foreach (bool oneSource in new[] { true, false })
            {
                ReadOnlyMemory<float> a = oneSource ? batch.A[..c.N] : batch.A;
                foreach (SinkhornOptions options in new[]
                {
                    new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 30, Mode = SinkhornMode.Unrolled, Tolerance = 0 },
                    new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 2000, Tolerance = 1e-4, EpsilonScaling = 0.5 },
                })
                {
                    SinkhornResult<float> kernel = Sinkhorn.SolveBatch(device, a, batch.B, cost, options);
                    SinkhornResult<float> reference = Sinkhorn.SolveBatch(cpu, a, batch.B, cost, options);
                    Assert.Equal(reference.Status, kernel.Status);
                    double tolerance = options.Mode == SinkhornMode.Unrolled ? IterationTolerance : 1e-3;
                    Close(c, "value", kernel.Value.Select(v => (float)v).ToArray(), reference.Value.Select(v => (float)v).ToArray(), tolerance);
                    if (options.Mode == SinkhornMode.Unrolled)
                    {
                        Close(c, "f", kernel.F, reference.F, tolerance);
                        Close(c, "g", kernel.G, reference.G, tolerance);
                    }
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    /// <summary>The balanced kernels with the damping parameter (issue 22): fixed iterations,
    /// the divergence to a tolerance, and the shared dense cost, against the CPU code.</summary>
    [Fact]
    public void Unbalanced_FixedIterationsDivergenceAndDenseCost_MatchTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        using var cpu = new CpuAccelerator();
        Prop.ForAll(Cases(), c =>
        {
            PointCloudBatch batch = c.GenerateUnbalanced();
            double rho = 0.05 + c.Seed % 7 * 0.3;
            var fixedRun = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 30, Mode = SinkhornMode.Unrolled, Tolerance = 0, MarginalPenalty = rho };
            SinkhornResult<float> kernel = Sinkhorn.SolveBatch(device, batch, fixedRun);
            SinkhornResult<float> reference = Sinkhorn.SolveBatch(batch, fixedRun);
            Close(c, "f", kernel.F, reference.F, IterationTolerance);
            Close(c, "g", kernel.G, reference.G, IterationTolerance);
            Close(c, "value", kernel.Value.Select(v => (float)v).ToArray(), reference.Value.Select(v => (float)v).ToArray(), IterationTolerance);

            var converged = new SinkhornOptions { Epsilon = c.Epsilon, MaxIterations = 5000, Tolerance = 1e-4, EpsilonScaling = 0.5, MarginalPenalty = rho };
            SinkhornDivergenceResult<float> divergence = SinkhornDivergence.SolveBatch(device, batch, converged);
            SinkhornDivergenceResult<float> expected = SinkhornDivergence.SolveBatch(batch, converged);
            Assert.Equal(expected.Cross.Status, divergence.Cross.Status);
            Close(c, "S", divergence.Value.Select(v => (float)v).ToArray(), expected.Value.Select(v => (float)v).ToArray(), 1e-3);

            var rng = new Random(c.Seed);
            var cost = new OtKernels.Geometry.DenseCost(Enumerable.Range(0, c.N * c.M).Select(_ => 2 * rng.NextDouble()).ToArray(), c.N, c.M);
            SinkhornResult<float> dense = Sinkhorn.SolveBatch(device, batch.A, batch.B, cost, fixedRun);
            SinkhornResult<float> denseReference = Sinkhorn.SolveBatch(cpu, batch.A, batch.B, cost, fixedRun);
            Close(c, "dense value", dense.Value.Select(v => (float)v).ToArray(), denseReference.Value.Select(v => (float)v).ToArray(), IterationTolerance);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    [Fact]
    public void UnbalancedBatches_AskForAMarginalPenalty_AndTheSelfTermKernelsRefuseOne()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        PointCloudBatch batch = new Case(2, 5, 4, 2, 0.2, 3).GenerateUnbalanced();
        var balanced = new SinkhornOptions { Epsilon = 0.2 };
        Assert.Contains("PointCloudBatch.Unbalanced", Assert.Throws<ArgumentException>(() => Sinkhorn.SolveBatch(device, batch, balanced)).Message);
        Assert.Contains("PointCloudBatch.Unbalanced", Assert.Throws<ArgumentException>(() => SinkhornDivergence.SolveBatch(batch, balanced)).Message);
        var unbalanced = new SinkhornOptions { Epsilon = 0.2, MaxIterations = 5, MarginalPenalty = 1 };
        using var buffers = device.Buffers();
        Assert.Contains("not implemented in the self-term kernels", Assert.Throws<ArgumentException>(() => SinkhornKernel.LaunchSelfTerms(device, buffers,
            ILGPU.ArrayView<float>.Empty, ILGPU.ArrayView<float>.Empty, 1, 2, 2, OtKernels.Geometry.GroundMetric.SqEuclidean, unbalanced, taped: false)).Message);
        // Unequal sums are what the constructor refuses and Unbalanced accepts.
        Assert.Throws<ArgumentException>(() => new PointCloudBatch(batch.Batch, batch.N, batch.M, batch.Dimension, batch.X, batch.Y, batch.A, batch.B));
    }

    [Fact]
    public void SharedMemoryRefusal_IsSizedByTheKernelsLayout()
    {
        // 48 KiB, an H100's default per block: 64 points in R^16 fit, 512 points in R^64 do not.
        const long limit = 48 * 1024;
        DeviceRuntime.RequireSharedMemory(SinkhornKernel.WorkFloats(64, 64, 16, 64), limit, "H100", "batch", "64-point problems");
        int n = 512, d = 64;
        var e = Assert.Throws<ArgumentOutOfRangeException>("batch", () =>
            DeviceRuntime.RequireSharedMemory(SinkhornKernel.DivergenceWorkFloats(n, n, d, 256), limit, "H100", "batch", $"Problems of {n} x {n} points in R^{d}"));
        Assert.Contains("shared memory", e.Message);
        Assert.Contains($"{4L * SinkhornKernel.DivergenceWorkFloats(n, n, d, 256)} bytes", e.Message);
    }

    private static void Close(Case c, string what, float[] actual, float[] expected, double tolerance)
    {
        double scale = Math.Max(1, expected.Where(float.IsFinite).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]) && float.IsNaN(actual[i])) continue;
            if (float.IsInfinity(expected[i])) { Assert.Equal(expected[i], actual[i]); continue; }
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * scale, $"{c}: {what}[{i}] = {actual[i]} on the kernel, {expected[i]} on the CPU");
        }
    }
}
