// The Gromov–Wasserstein kernel on ILGPU's CPU accelerator against the CPU batch (double):
// generated batches of plain and fused GW under both losses, with several starts; its
// refusal of mixed shapes and entries beyond float (its PTX: Accelerators/KernelPtxTests).
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class GromovKernelTests
{
    /// <summary>count problems of n x m points in R^2: distances within each cloud, a feature
    /// cost between them when fused, random masses.</summary>
    private static GromovWassersteinProblem[] Problems(int seed, int count, int n, int m, bool fused)
    {
        var rng = new Random(seed);
        double[] Weights(int size)
        {
            double[] w = Enumerable.Range(0, size).Select(_ => rng.NextDouble() + 0.2).ToArray();
            return w.Select(v => v / w.Sum()).ToArray();
        }
        double[] Points(int size) => Enumerable.Range(0, 2 * size).Select(_ => rng.NextDouble()).ToArray();
        double[] Distances(double[] x, double[] y, int rows, int cols)
        {
            var c = new double[rows * cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) c[i * cols + j] = Math.Sqrt(Math.Pow(x[2 * i] - y[2 * j], 2) + Math.Pow(x[2 * i + 1] - y[2 * j + 1], 2));
            return c;
        }
        return Enumerable.Range(0, count).Select(_ =>
        {
            double[] x = Points(n), y = Points(m);
            var problem = new GromovWassersteinProblem(Weights(n), Weights(m), Distances(x, x, n, n), Distances(y, y, m, m));
            return fused ? problem with { Features = Distances(x, y, n, m), Alpha = 0.3 + 0.5 * rng.NextDouble() } : problem;
        }).ToArray();
    }

    /// <summary>The kernel's results against the CPU's (double). The kernel's own arithmetic:
    /// its value equals the value of its coupling computed in double, to 1e-4. The optimum:
    /// a float coupling misses the marginals by r (L1; its Sinkhorn stops at float's floor),
    /// which moves the value and the objective at first order by up to max|C| r (the
    /// potentials are bounded by the step cost C = 2 alpha tens + (1 - alpha) M), so both must
    /// agree to 1e-4 plus that. The couplings agree to 1e-3 of the mass in L1 plus r where
    /// both kept the same start (GW is not convex: two starts may end at different couplings
    /// of nearly equal objectives); r, because a coupling that misses the marginals by r in L1
    /// is at least r / 2 from any that meets them.</summary>
    private static void AssertMatches(GromovWassersteinResult device, GromovWassersteinResult cpu, GromovWassersteinProblem problem, GromovLoss loss,
        string label)
    {
        Assert.Equal(GromovWassersteinStatus.Converged, cpu.Status);
        Assert.Equal(GromovWassersteinStatus.Converged, device.Status);
        var prepared = GromovWasserstein.Prepared.Of(problem, loss);
        int n = prepared.N, m = prepared.M;
        double[] cost = new double[n * m], tens = new double[n * m], scratch = new double[n * m];
        double ownValue = GromovWasserstein.Value(prepared, device.Plan, tens, scratch);
        Assert.True(Math.Abs(device.Value - ownValue) <= 1e-4 * Math.Max(1e-2, Math.Abs(ownValue)), $"{label}: value {device.Value:R} of a coupling worth {ownValue:R}");
        GromovWasserstein.StepCost(prepared, cpu.Plan, cost, tens, scratch);
        double maxCost = cost.Max(Math.Abs);
        double r = Enumerable.Range(0, n).Sum(i => Math.Abs(Enumerable.Range(0, m).Sum(j => device.Plan[i * m + j]) - prepared.P[i]))
            + Enumerable.Range(0, m).Sum(j => Math.Abs(Enumerable.Range(0, n).Sum(i => device.Plan[i * m + j]) - prepared.Q[j]));
        double Bound(double reference) => 1e-4 * Math.Max(1e-2, Math.Abs(reference)) + maxCost * r;
        Assert.True(Math.Abs(device.Objective - cpu.Objective) <= Bound(cpu.Objective), $"{label}: objective {device.Objective:R} vs CPU {cpu.Objective:R} (r {r:E2})");
        Assert.True(Math.Abs(device.Value - cpu.Value) <= Bound(cpu.Value), $"{label}: value {device.Value:R} vs CPU {cpu.Value:R} (r {r:E2})");
        if (device.Start != cpu.Start) return;
        double l1 = device.Plan.Zip(cpu.Plan, (u, v) => Math.Abs(u - v)).Sum();
        Assert.True(l1 <= 1e-3 * cpu.Plan.Sum() + r, $"{label}: the couplings differ by {l1:E2} in L1 (r {r:E2})");
    }

    [Fact]
    public void SolveBatch_OnTheDevice_MatchesTheCpu()
    {
        // A fixed sequence of cases: random ones found device cases that do not converge
        // (SolveBatch_GeneratedFusedCase_* below), and CI must not fail on a draw.
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        Prop.ForAll((from count in Gen.Choose(1, 3) from n in Gen.Choose(2, 7) from m in Gen.Choose(2, 7) from fused in Gen.Elements(false, true)
                     from loss in Gen.Elements(GromovLoss.Square, GromovLoss.KL) from starts in Gen.Choose(1, 2) from eps in Gen.Elements(0.05, 0.1)
                     from seed in Gen.Choose(0, int.MaxValue) select (count, n, m, fused, loss, starts, eps, seed)).ToArbitrary(), t =>
        {
            GromovWassersteinProblem[] problems = Problems(t.seed, t.count, t.n, t.m, t.fused);
            var options = new GromovWassersteinOptions { Epsilon = t.eps, Loss = t.loss, Initializations = t.starts, Seed = t.seed };
            GromovWassersteinResult[] kernel = GromovWasserstein.SolveBatch(device, problems, options), reference = GromovWasserstein.SolveBatch(problems, options);
            for (int k = 0; k < t.count; k++) AssertMatches(kernel[k], reference[k], problems[k], t.loss, $"{t} problem {k}");
        }).Check(Config.QuickThrowOnFailure.WithReplay(20261202UL, 23UL).WithMaxTest(12));
    }

    /// <summary>Cases CI runs generated, pinned:
    /// - seed 760265217 (KL, eps 0.1, 4 x 4, 2 starts): the device's coupling change wandered
    ///   between 1 and 2 times float's rounding floor for 1,000 steps, because the float
    ///   projection itself stops 2.6e-5 off its marginals; the stopping rule now counts that
    ///   error in the floor;
    /// - seed 149640057 (KL, eps 0.05, 5 x 7, 1 start): near its fixed point the CPU's plain
    ///   inner Sinkhorn needed more than InnerMaxIterations (10,000) per step, and the run
    ///   ended MaxIterations; the inner steps are over-relaxed now;
    /// - seed 15825985 (fused, KL, eps 0.05, 3 x 3, 1 start; SolveBatch_GeneratedFusedCase):
    ///   the device's third coupling ends 1.93e-3 off its marginals (r), holding 1.8e-31 where
    ///   the CPU's holds 9.6e-4, so the couplings differ by 1.92e-3 in L1 with values within
    ///   the bound; the coupling bound now allows r as the value bounds do.</summary>
    [Theory]
    [InlineData(760265217, 4, 4, 0.1, 2)]
    [InlineData(149640057, 5, 7, 0.05, 1)]
    public void SolveBatch_GeneratedCases_ConvergeOnBothSides(int seed, int n, int m, double eps, int starts)
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        GromovWassersteinProblem[] problems = Problems(seed, 2, n, m, fused: false);
        var options = new GromovWassersteinOptions { Epsilon = eps, Loss = GromovLoss.KL, Initializations = starts, Seed = seed };
        GromovWassersteinResult[] kernel = GromovWasserstein.SolveBatch(device, problems, options), reference = GromovWasserstein.SolveBatch(problems, options);
        for (int k = 0; k < problems.Length; k++) AssertMatches(kernel[k], reference[k], problems[k], GromovLoss.KL, $"seed {seed} problem {k}");
    }

    [Fact]
    public void SolveBatch_GeneratedFusedCase_MatchesTheCpu() => AssertFusedKLCase(15825985, 3, 3, 1);

    /// <summary>A case random generation found (fused, KL, eps 0.05, 3 problems of 7 x 5, 2
    /// starts), on the CPU, whose result the device's is compared with: the third problem's
    /// random start ended MaxIterations after 3 steps, its inner Sinkhorn cut off at
    /// InnerMaxIterations while the coupling's change was already under the tolerance
    /// (objective 0.57743; the device converged). Descend now goes on after a cut-off
    /// projection (GromovWasserstein.UnfinishedSteps) and converges at step 7 (0.57810). The
    /// device's side of this case takes two minutes on ILGPU's CPU accelerator, so it is not
    /// run here.</summary>
    [Fact]
    public void Descend_GoesOn_AfterACutOffProjection()
    {
        GromovWassersteinProblem[] problems = Problems(1441726200, 3, 7, 5, fused: true);
        var options = new GromovWassersteinOptions { Epsilon = 0.05, Loss = GromovLoss.KL, Initializations = 2, Seed = 1441726200 };
        GromovWassersteinResult[] results = GromovWasserstein.SolveBatch(problems, options);
        for (int k = 0; k < problems.Length; k++) Assert.True(results[k].Status == GromovWassersteinStatus.Converged, $"problem {k}: {results[k].Status} after {results[k].Iterations} steps");
        Assert.Equal(0.57810, results[2].Objective, 1e-4);
    }

    /// <summary>Projections cut off at every step (one inner iteration, an inner tolerance
    /// float can reach): after a step whose change is under the tolerance the device goes on
    /// as the CPU's Descend does, GromovWasserstein.UnfinishedSteps such steps in a row, then
    /// ends MaxIterations (it stopped at the first before: 6 steps on the first problem, where the CPU takes
    /// 27). At the default inner tolerance, out of float's reach, a cut-off device
    /// projection reports PrecisionLimit and its step counts as finished.</summary>
    [Fact]
    public void CutOffProjections_EndAfterTheSameUnfinishedSteps_OnTheDeviceAsOnTheCpu()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        GromovWassersteinProblem[] problems = Problems(7, 2, 5, 4, fused: false);
        var options = new GromovWassersteinOptions { Epsilon = 0.02, Tolerance = 1e-3, InnerTolerance = 1e-4, InnerMaxIterations = 1 };
        GromovWassersteinResult[] kernel = GromovWasserstein.SolveBatch(device, problems, options), reference = GromovWasserstein.SolveBatch(problems, options);
        for (int k = 0; k < problems.Length; k++)
        {
            Assert.True(reference[k].Status == GromovWassersteinStatus.MaxIterations && kernel[k].Status == GromovWassersteinStatus.MaxIterations,
                $"problem {k}: CPU {reference[k].Status}, device {kernel[k].Status}");
            Assert.True(reference[k].Iterations >= GromovWasserstein.UnfinishedSteps && kernel[k].Iterations == reference[k].Iterations,
                $"problem {k}: {kernel[k].Iterations} steps on the device, {reference[k].Iterations} on the CPU");
        }
    }

    private static void AssertFusedKLCase(int seed, int n, int m, int starts)
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        GromovWassersteinProblem[] problems = Problems(seed, 3, n, m, fused: true);
        var options = new GromovWassersteinOptions { Epsilon = 0.05, Loss = GromovLoss.KL, Initializations = starts, Seed = seed };
        GromovWassersteinResult[] kernel = GromovWasserstein.SolveBatch(device, problems, options), reference = GromovWasserstein.SolveBatch(problems, options);
        for (int k = 0; k < problems.Length; k++) AssertMatches(kernel[k], reference[k], problems[k], GromovLoss.KL, $"seed {seed} problem {k}");
    }

    [Fact]
    public void MixedShapes_AndEntriesBeyondFloat_AreRefused_WithTheProblemNamed()
    {
        using DeviceAccelerator device = DeviceRuntime.CreateCpu();
        var options = new GromovWassersteinOptions { Epsilon = 0.1 };
        GromovWassersteinProblem[] problems = [.. Problems(3, 1, 4, 4, false), .. Problems(4, 1, 4, 5, false)];
        var mixed = Assert.Throws<ArgumentException>("problems", () => GromovWasserstein.SolveBatch(device, problems, options));
        Assert.StartsWith("problems[1] is 4 x 5 but problems[0] is 4 x 4", mixed.Message);
        GromovWassersteinProblem huge = Problems(5, 1, 3, 3, false)[0];
        huge.C1[1] = huge.C1[3] = 1e39;
        var range = Assert.Throws<ArgumentException>("C1", () => GromovWasserstein.SolveBatch(device, [huge], options));
        Assert.StartsWith("C1[1] is 1E+39, beyond float's range", range.Message);
        var unequal = Problems(6, 2, 3, 3, false);
        unequal[1] = unequal[1] with { Q = [0.5, 0.5, 0.5] };
        Assert.StartsWith("Problem 1 of the batch:", Assert.Throws<ArgumentException>(() => GromovWasserstein.SolveBatch(device, unequal, options)).Message);
    }
}
