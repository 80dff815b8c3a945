// Batched entropic (fused) Gromov–Wasserstein as an ILGPU kernel: GromovWasserstein.Descend
// step for step, in float, one team of threads per (problem, start) as SinkhornKernel packs
// its problems (Team.cs, Packing). Each outer step forms the mirror step's cost
// 2 alpha tens(T) + (1 - alpha) M by the two products of PCS's Prop. 1 (one thread per entry,
// reading row i of the left factor where the team's threads read neighbouring columns of the
// right one), projects it by the Sinkhorn kernel's own loop (SinkhornKernel.Solve on a dense
// cost, warm-started from the previous step's potentials as the CPU does) and forms the new
// coupling T = p q^T exp((f + g - C) / eps). The couplings, costs and potentials of a team
// live in global memory (the coupling n m floats, the state 3 n m + n + m + 4: a 64 x 64
// problem's matrices would fill a group's shared memory alone), where every team reads its own and the device's
// caches hold them; only the Sinkhorn loop's vectors use shared memory. Float cannot resolve
// a coupling's change below its rounding, nor below the marginal error its float projection
// stops at (the inner solve's own floor: the coupling moves by that much from step to step
// however near the fixed point), so a run also stops once the change is under their sum
// (StepFloor plus the inner error) and no longer shrinking. With the rounding alone, a KL
// problem's change wandered between 1 and 2 times it for 1,000 steps while the projection's
// error was 2.6e-5.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Accelerators;

namespace OtKernels.Entropic.Device;

/// <summary>The launch parameters: shapes, runs (problems x starts), the outer loop's limits,
/// and the inner Sinkhorn's (whose TeamSize and Problems are the launch's).</summary>
internal readonly struct GromovParameters(int n, int m, int starts, int runs, GromovWassersteinOptions options, SinkhornParameters inner)
{
    public readonly int N = n, M = m, Starts = starts, Runs = runs, MaxIterations = options.MaxIterations;
    public readonly float Epsilon = (float)options.Epsilon, Tolerance = (float)options.Tolerance;
    public readonly SinkhornParameters Inner = inner;
}

internal static class GromovKernel
{
    /// <summary>Per run: value, objective, outer iterations, status (GromovWassersteinStatus as a float).</summary>
    public const int Stats = 4;

    private const float FloatUnitRoundoff = 5.9604645e-8f; // 2^-24

    /// <summary>Floats of one problem's data: C1 [n, n], h2(C2) [m, m], rowTerm [n],
    /// colTerm [m], p [n], q [m], the feature cost M [n, m] (zero for plain GW), alpha.</summary>
    public static int ProblemFloats(int n, int m) => n * n + m * m + 2 * n + 2 * m + n * m + 1;

    /// <summary>Floats of one run's state beside its coupling: the cost C and C^T, the product
    /// C1 T ([n, m] each), f [n], g [m] and the inner Sinkhorn's stats.</summary>
    public static int StateFloats(int n, int m) => 3 * n * m + n + m + SinkhornKernel.Stats;

    /// <summary>Run r = problem r / Starts from start r % Starts: plans [runs, n m] hold the
    /// starts on entry and the final couplings on exit; stats [runs, Stats].</summary>
    public static void Descend(ArrayView<float> problems, ArrayView<float> plans, ArrayView<float> states, GromovParameters p, ArrayView<float> stats)
    {
        int n = p.N, m = p.M, nm = n * m;
        var team = Team.OfSize(p.Inner.TeamSize);
        long run = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = run < p.Runs;
        long r = valid ? run : p.Runs - 1; // a team past the batch reads the last run and writes nothing
        int problemFloats = ProblemFloats(n, m), stateFloats = StateFloats(n, m);
        ArrayView<float> data = problems.SubView(r / p.Starts * problemFloats, problemFloats);
        ArrayView<float> c1 = data.SubView(0, n * n), h2 = data.SubView(n * n, m * m);
        int at = n * n + m * m;
        ArrayView<float> rowTerm = data.SubView(at, n), colTerm = data.SubView(at + n, m), pw = data.SubView(at + n + m, n), qw = data.SubView(at + 2 * n + m, m);
        ArrayView<float> features = data.SubView(at + 2 * n + 2 * m, nm);
        float alpha = data[problemFloats - 1];
        ArrayView<float> state = states.SubView(r * stateFloats, stateFloats);
        ArrayView<float> plan = plans.SubView(r * nm, nm), cost = state.SubView(0, nm), costT = state.SubView(nm, nm), product = state.SubView(2 * nm, nm);
        ArrayView<float> f = state.SubView(3 * nm, n), g = state.SubView(3 * nm + n, m), inner = state.SubView(3 * nm + n + m, SinkhornKernel.Stats);
        int teamFloats = SinkhornKernel.SolveFloats(n, m, team.Size);
        ArrayView<float> work = SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats);
        ArrayView<float> red = work.SubView(teamFloats - team.Size, team.Size); // Solve's reduction slice, free between its calls
        var problem = new Views(c1, h2, rowTerm, colTerm, features, plan, product, cost, costT, n, m);

        float status = 1, previous = float.PositiveInfinity; // MaxIterations unless decided; the last step's change
        int iteration = 0, unfinished = 0; // steps in a row with a small change after a cut-off projection
        bool done = !valid;
        while (Group.BarrierOr(!done))
        {
            bool active = !done;
            Tensor(team, problem, active ? nm : 0, 2 * alpha, 1 - alpha, transposed: true);
            SinkhornKernel.Solve(team, active, new DenseCostView(cost, costT, n, m), pw, qw, n, m, false, p.Inner, f, g, inner, ArrayView<float>.Empty, work,
                warm: iteration > 0);
            Group.Barrier(); // the inner stats, written by lane 0, for the whole team
            bool diverged = active && inner[3] == 2;
            float change = 0, floor = 0;
            for (int e = team.Lane; e < (active && !diverged ? nm : 0); e += team.Size)
            {
                int i = e / m, j = e - i * m;
                float w = pw[i] * qw[j], t = w > 0 ? w * XMath.Exp((f[i] + g[j] - cost[e]) / p.Epsilon) : 0, d = t - plan[e];
                change += d * d;
                floor += Square(t * StepFloor(f[i], g[j], 2 * alpha * (XMath.Abs(rowTerm[i]) + XMath.Abs(colTerm[j])) + XMath.Abs(cost[e]) + XMath.Abs((1 - alpha) * features[e]), p.Epsilon));
                plan[e] = t;
            }
            change = XMath.Sqrt(GroupReduce.Sum(change, red, team));
            floor = XMath.Sqrt(GroupReduce.Sum(floor, red, team));
            if (active)
            {
                iteration++;
                if (diverged)
                {
                    status = 2;
                    done = true;
                }
                // Converged at the tolerance, or at float's floor once the change has stopped
                // shrinking (below the floor it is rounding and the projection's error, and a
                // bound on those is loose: stopping at the bound itself left KL couplings 1e-4
                // short of the fixed point).
                else if (change <= p.Tolerance || (change <= floor + inner[1] && change >= previous))
                {
                    // A projection at float's floor (PrecisionLimit, 3) is as close as float gets.
                    // After one cut off at InnerMaxIterations the next steps go on, warm-started,
                    // GromovWasserstein.UnfinishedSteps in a row at most, as the CPU's Descend does.
                    bool finished = inner[3] == 0 || inner[3] == 3;
                    unfinished = finished ? 0 : unfinished + 1;
                    status = finished ? 0 : 1;
                    done = finished || unfinished == GromovWasserstein.UnfinishedSteps || iteration == p.MaxIterations;
                }
                else
                {
                    unfinished = 0;
                    done = iteration == p.MaxIterations;
                }
                previous = change;
            }
        }

        // The value alpha <tens(T), T> + (1 - alpha) <M, T> and the entropy KL(T | p q^T).
        Tensor(team, problem, valid ? nm : 0, 1, 0, transposed: false);
        float value = 0, kl = 0;
        for (int e = team.Lane; e < (valid ? nm : 0); e += team.Size)
        {
            int i = e / m, j = e - i * m;
            float t = plan[e], reference = pw[i] * qw[j];
            value += (alpha * cost[e] + (1 - alpha) * features[e]) * t;
            if (reference > 0) kl += (t > 0 ? t * XMath.Log(t / reference) : 0) - t + reference;
        }
        value = GroupReduce.Sum(value, red, team);
        kl = GroupReduce.Sum(kl, red, team);
        if (!valid || team.Lane != 0) return;
        stats[run * Stats] = value;
        stats[run * Stats + 1] = value + p.Epsilon * kl;
        stats[run * Stats + 2] = iteration;
        stats[run * Stats + 3] = value - value == 0 ? status : 2; // a value that is not finite diverged
    }

    /// <summary>The rounding of a coupling entry t = w exp((f + g - C) / eps) in float,
    /// relative to t: 4 u (|f| + |g| + terms) / eps, where terms bounds the magnitudes summed
    /// into C (Sinkhorn.PrecisionFloor's argument, entry by entry).</summary>
    private static float StepFloor(float f, float g, float terms, float eps) => 4 * FloatUnitRoundoff * (XMath.Abs(f) + XMath.Abs(g) + terms) / eps;

    private static float Square(float v) => v * v;

    /// <summary>A run's views of its problem and state.</summary>
    private readonly struct Views(ArrayView<float> c1, ArrayView<float> h2, ArrayView<float> rowTerm, ArrayView<float> colTerm, ArrayView<float> features,
        ArrayView<float> plan, ArrayView<float> product, ArrayView<float> cost, ArrayView<float> costT, int n, int m)
    {
        public readonly ArrayView<float> C1 = c1, H2 = h2, RowTerm = rowTerm, ColTerm = colTerm, Features = features;
        public readonly ArrayView<float> Plan = plan, Product = product, Cost = cost, CostT = costT;
        public readonly int N = n, M = m;
    }

    /// <summary>Cost = scale tens(T) + featureScale M with tens(T) = rowTerm 1^T + 1 colTerm^T
    /// - C1 T h2(C2) (GromovWasserstein.Tensor; h2 is symmetric), over count entries (0 for a
    /// team with nothing to do), and its transpose when asked; ends with a barrier.</summary>
    private static void Tensor(Team team, Views v, int count, float scale, float featureScale, bool transposed)
    {
        int n = v.N, m = v.M;
        for (int e = team.Lane; e < count; e += team.Size)
        {
            int i = e / m, j = e - i * m;
            float sum = 0;
            for (int k = 0; k < n; k++) sum += v.C1[i * n + k] * v.Plan[k * m + j];
            v.Product[e] = sum;
        }
        Group.Barrier();
        for (int e = team.Lane; e < count; e += team.Size)
        {
            int i = e / m, j = e - i * m;
            float sum = 0;
            for (int l = 0; l < m; l++) sum += v.Product[i * m + l] * v.H2[l * m + j];
            float c = scale * (v.RowTerm[i] + v.ColTerm[j] - sum) + featureScale * v.Features[e];
            v.Cost[e] = c;
            if (transposed) v.CostT[j * n + i] = c;
        }
        Group.Barrier();
    }

    /// <summary>Solves runs = problems x starts on the device and waits: data [problems,
    /// ProblemFloats], the starting couplings [runs, n m]; returns the final couplings [runs,
    /// n m] and stats [runs, Stats].</summary>
    /// <exception cref="ArgumentOutOfRangeException">One run needs more shared memory than a group has.</exception>
    public static (float[] Plans, float[] Stats) Solve(DeviceAccelerator device, float[] data, float[] starts, int problemCount, int startCount, int n, int m,
        GromovWassersteinOptions options)
    {
        int runs = problemCount * startCount;
        Packing pack = Packing.For(device, runs, n, m, team => SinkhornKernel.SolveFloats(n, m, team), "problems", $"Gromov–Wasserstein problems of {n} x {m} points");
        var inner = new SinkhornOptions { Epsilon = options.Epsilon, Tolerance = options.InnerTolerance, MaxIterations = options.InnerMaxIterations };
        using DeviceBuffers buffers = device.Buffers();
        var dData = buffers.Upload(data, "the problems");
        var dPlans = buffers.Upload(starts, "the couplings");
        var dState = buffers.Allocate((long)runs * StateFloats(n, m), "the costs and potentials");
        var dStats = buffers.Allocate((long)runs * Stats, "the stats");
        var kernel = device.Device.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GromovParameters, ArrayView<float>>(Descend);
        kernel(pack.Config(SinkhornKernel.SolveFloats(n, m, pack.TeamSize)), dData.View, dPlans.View, dState.View,
            new GromovParameters(n, m, startCount, runs, options, new SinkhornParameters(n, m, inner, runs, pack.TeamSize)), dStats.View);
        device.Synchronize();
        return (dPlans.GetAsArray1D(), dStats.GetAsArray1D());
    }
}
