// Batched log-domain Sinkhorn between point clouds as an ILGPU kernel in C# (one source for
// CUDA, OpenCL 2.0+ and ILGPU's CPU accelerator), run by Sinkhorn.SolveBatch and
// SinkhornDivergence.SolveBatch on a DeviceAccelerator. Each device function names its C#
// twin in Sinkhorn.cs; the loop follows Sinkhorn.SolveOne step for step, in float (with the tape of an unrolled run), and the divergence's self-terms
// follow Sinkhorn.SolveOne's self-term mode. The cost is a type parameter (IDeviceCost): points in
// shared memory, or a shared dense matrix read coalesced (sinkhorn_dense's twin).
// Layout: one team of threads per problem (Team.cs, Packing), each thread owning two of the
// problem's outputs (SoftMin's register blocking): a power of two up to a warp for small
// problems, several teams per group as threads and shared memory allow (32 problems of 16
// points in 256 threads), the group to itself for a large one. Points, potentials and log-weights live in the team's
// slice of dynamic shared memory (WorkFloats counts it); each soft-min streams
// its inputs with a running maximum in base 2 (out_o = -eps ln2 (M + log2 sum_i
// 2^(h_i - C_oi log2e / eps)), h_i = (p_i / eps + log w_i) log2e; Milakov and Gimelshein
// 2018), recomputing |x_i - y_j|^2 (or its root, the W1 cost) from the shared points, so nothing of size n x m exists.
// The point dimension is a specialised value, so the coordinate loops unroll. Every barrier
// is reached by every thread of the group: a team decides from its own reductions, the
// loops run while any team of the group works (Group.BarrierOr), and a finished team goes
// through them with nothing to do; an iteration is committed by swapping double buffers.
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Accelerators;
using OtKernels.Geometry;

namespace OtKernels.Entropic.Device;

/// <summary>The launch parameters of one batch: SinkhornOptions in float, the shapes, and the
/// packing (problems in the launch, threads per problem's team).</summary>
internal readonly struct SinkhornParameters(int n, int m, SinkhornOptions options, int problems, int teamSize,
    GroundMetric metric = GroundMetric.SqEuclidean)
{
    public readonly int N = n, M = m, MaxIterations = options.MaxIterations, CheckEvery = options.CheckEvery;
    /// <summary>1 for the Euclidean cost |x - y| of point clouds, 0 for |x - y|^2 (CloudCostView).</summary>
    public readonly int Root = metric == GroundMetric.Euclidean ? 1 : 0;
    public readonly int Problems = problems, TeamSize = teamSize;
    public readonly int Unrolled = options.Mode == SinkhornMode.Unrolled ? 1 : 0;
    public readonly float Epsilon = (float)options.Epsilon, Scaling = (float)options.EpsilonScaling;
    public readonly float Tolerance = (float)options.Tolerance, OverRelaxation = (float)options.OverRelaxation;
    /// <summary>1 / rho of unbalanced transport, 0 when balanced (SinkhornOptions.MarginalPenalty).</summary>
    public readonly float InverseRho = options.Unbalanced ? (float)(1 / options.MarginalPenalty) : 0;

    /// <summary>The damping kappa = rho / (rho + eps) = 1 / (1 + eps / rho) at eps (SinkhornOptions.Damping).</summary>
    public float Damping(float eps) => 1 / (1 + eps * InverseRho);
}

/// <summary>How a launch's problems share groups: a team of TeamSize threads per problem,
/// each thread owning two outputs (the next power of two above max(n, m) / 2 up to a warp,
/// so that a 16-point problem uses 8 lanes and a 64-point one a warp; a multiple of 32
/// beyond), TeamsPerGroup teams per group (up to 256 threads, as many as the shared memory
/// holds), Groups groups.</summary>
internal readonly record struct Packing(int TeamSize, int TeamsPerGroup, int Groups)
{
    /// <summary>Threads per group the packing aims at: 8 warps, enough to hide latency.</summary>
    public const int TargetGroupSize = 256;

    /// <summary>The packing of problems of n x m points whose team needs teamFloats(team size)
    /// floats of shared memory; refuses a problem too large for one group.</summary>
    /// <exception cref="ArgumentOutOfRangeException">One problem needs more shared memory than a group has.</exception>
    public static Packing For(DeviceAccelerator device, int problems, int n, int m, Func<int, int> teamFloats, string paramName, string what) =>
        For(device.MaxGroupSize, device.SharedMemoryBytes, device.Name, problems, n, m, teamFloats, paramName, what);

    /// <summary>The packing against a device's limits (testable without one).</summary>
    public static Packing For(int maxGroupSize, long sharedMemoryBytes, string device, int problems, int n, int m, Func<int, int> teamFloats,
        string paramName, string what)
    {
        // Two outputs per thread (SoftMin's register blocking): a team of half the widest side.
        int half = (Math.Max(n, m) + 1) / 2;
        int team = half <= 32 ? (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)half)
            : Math.Min(maxGroupSize, (half + 31) / 32 * 32);
        long bytes = (long)teamFloats(team) * sizeof(float);
        DeviceRuntime.RequireSharedMemory(teamFloats(team), sharedMemoryBytes, device, paramName, what);
        long byThreads = Math.Max(1, Math.Min(TargetGroupSize, maxGroupSize) / team);
        long byMemory = Math.Max(1, sharedMemoryBytes / bytes);
        int teams = (int)Math.Max(1, Math.Min(Math.Min(byThreads, byMemory), problems));
        return new Packing(team, teams, (int)((problems + (long)teams - 1) / teams));
    }

    /// <summary>The launch: Groups groups of TeamsPerGroup teams, each with teamFloats of shared memory.</summary>
    public KernelConfig Config(int teamFloats) =>
        new(Groups, TeamSize * TeamsPerGroup, SharedMemoryConfig.RequestDynamic<float>(teamFloats * TeamsPerGroup));
}

/// <summary>The cost as the kernels read it, C(i, j) between source i and target j: by the
/// thread that owns row i (the f update) or column j (the g update), so that a dense cost can
/// be read where neighbouring threads read neighbouring addresses (GroundCost's twin).</summary>
internal interface IDeviceCost
{
    float ForRow(int i, int j);
    float ForColumn(int i, int j);

    /// <summary>The costs of two outputs against one input, sharing the input's loads (the
    /// register blocking of SoftMin): C(first, input) and C(second, input) for row owners
    /// (byRow), C(input, first) and C(input, second) for column owners.</summary>
    void Pair(bool byRow, int first, int second, int input, out float c1, out float c2);
}

/// <summary>|x_i - y_j|^2, or |x_i - y_j| when root, from points in shared memory
/// (PointCloudCost's SqEuclidean and Euclidean).</summary>
internal readonly struct CloudCostView(ArrayView<float> x, ArrayView<float> y, int dimension, bool root) : IDeviceCost
{
    private readonly ArrayView<float> _x = x, _y = y;
    private readonly int _d = dimension;
    private readonly bool _root = root;

    public float ForRow(int i, int j) => ForColumn(i, j);

    public float ForColumn(int i, int j)
    {
        float c = 0;
        for (int t = 0; t < _d; t++)
        {
            float diff = _x[i * _d + t] - _y[j * _d + t];
            c += diff * diff;
        }
        return _root ? XMath.Sqrt(c) : c;
    }

    public void Pair(bool byRow, int first, int second, int input, out float c1, out float c2)
    {
        // The input point is read once for both outputs: y_input for row owners, x_input for column owners.
        ArrayView<float> inputs = byRow ? _y : _x, outputs = byRow ? _x : _y;
        c1 = 0;
        c2 = 0;
        for (int t = 0; t < _d; t++)
        {
            float q = inputs[input * _d + t];
            float d1 = outputs[first * _d + t] - q, d2 = outputs[second * _d + t] - q;
            c1 += d1 * d1;
            c2 += d2 * d2;
        }
        if (_root)
        {
            c1 = XMath.Sqrt(c1);
            c2 = XMath.Sqrt(c2);
        }
    }

    /// <summary>s with dC_ij/dx_i = s (x_i - y_j) = -dC_ij/dy_j, from cost = C_ij: 2 for the
    /// squared cost, 1/|x_i - y_j| for the Euclidean one and 0 where the points coincide (a
    /// subgradient, as PointCloudCost.AddSourceGradient).</summary>
    public float Slope(float cost) => !_root ? 2 : cost > 0 ? 1 / cost : 0;
}

/// <summary>A dense n x m cost in global memory with its transpose (DenseCost's twin): the
/// row owner reads C^T[j, i], the column owner C[i, j], both coalesced across a warp.</summary>
internal readonly struct DenseCostView(ArrayView<float> cost, ArrayView<float> costT, int n, int m) : IDeviceCost
{
    private readonly ArrayView<float> _cost = cost, _costT = costT;
    private readonly int _n = n, _m = m;

    public float ForRow(int i, int j) => _costT[(long)j * _n + i];

    public float ForColumn(int i, int j) => _cost[(long)i * _m + j];

    public void Pair(bool byRow, int first, int second, int input, out float c1, out float c2)
    {
        c1 = byRow ? ForRow(first, input) : ForColumn(input, first);
        c2 = byRow ? ForRow(second, input) : ForColumn(input, second);
    }
}

internal static class SinkhornKernel
{
    /// <summary>Per problem: value, marginal error, iterations, status (SinkhornStatus as a float).</summary>
    public const int Stats = 4;

    private const float Log2E = 1.4426950408889634f, Ln2 = 0.6931471805599453f;

    /// <summary>Shared floats of Solve beyond the points: f, fNew, fNext, logA (n each); g,
    /// gNew, gNext, logB (m each); h (max(n, m)); the reduction (group).</summary>
    internal static int SolveFloats(int n, int m, int group) => 4 * n + 4 * m + Math.Max(n, m) + group;

    /// <summary>Dynamic shared floats per group of Clouds: the points (n + m) d and Solve's.</summary>
    public static int WorkFloats(int n, int m, int d, int group) => (n + m) * d + SolveFloats(n, m, group);

    /// <summary>Of Divergence: the largest of its three layouts, the cross problem and each
    /// self-term (one cloud, stored once, solved against itself).</summary>
    public static int DivergenceWorkFloats(int n, int m, int d, int group) =>
        Math.Max(WorkFloats(n, m, d, group), Math.Max(n, m) * d + SolveFloats(Math.Max(n, m), Math.Max(n, m), group));

    /// <summary>One warp-multiple of threads per problem, enough for max(n, m) outputs.</summary>
    public static int GroupSize(DeviceAccelerator device, int n, int m) =>
        Math.Min(device.MaxGroupSize, Math.Max(32, (Math.Max(n, m) + 31) / 32 * 32));

    /// <summary>Problem k = Grid.IdxX x (teams per group) + team of x [B, n, d], y [B, m, d],
    /// a [B, n], b [B, m] (b at a's mass): writes f [B, n], g [B, m], stats [B, 4] and, unless
    /// tape is empty, the iterates (f_t, g_t) after every iteration t into tape
    /// [B, MaxIterations, n + m] for the unrolled reverse pass (Sinkhorn.SolveOne with a
    /// SinkhornTape). Each team's shared memory is WorkFloats(n, m, d, TeamSize) floats.</summary>
    public static void Clouds(SpecializedValue<int> dimension, ArrayView<float> x, ArrayView<float> y, ArrayView<float> a, ArrayView<float> b,
        SinkhornParameters p, ArrayView<float> fOut, ArrayView<float> gOut, ArrayView<float> stats, ArrayView<float> tape)
    {
        int d = dimension, n = p.N, m = p.M;
        var team = Team.OfSize(p.TeamSize);
        long problem = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = problem < p.Problems;
        long k = valid ? problem : p.Problems - 1; // a team past the batch reads the last problem and writes nothing
        int teamFloats = WorkFloats(n, m, d, team.Size);
        ArrayView<float> work = SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats);
        ArrayView<float> X = work.SubView(0, n * d), Y = work.SubView(n * d, m * d);
        for (int i = team.Lane; i < n * d; i += team.Size) X[i] = x[k * n * d + i];
        for (int j = team.Lane; j < m * d; j += team.Size) Y[j] = y[k * m * d + j];
        Group.Barrier();
        long taped = (long)p.MaxIterations * (n + m);
        Solve(team, valid, new CloudCostView(X, Y, d, p.Root != 0), a.SubView(k * n, n), b.SubView(k * m, m), n, m, false, p,
            fOut.SubView(k * n, n), gOut.SubView(k * m, m), stats.SubView(k * Stats, Stats), tape.Length > 0 ? tape.SubView(k * taped, taped) : tape,
            work.SubView((n + m) * d));
    }

    /// <summary>Sinkhorn divergences S = OT(a, b) - OT(a, a)/2 - OT(b, b)/2: problem 3k + t
    /// (numbered as in Clouds, over 3 B problems) solves pair k's term t (0 the cross problem,
    /// 1 the source's self-term, 2 the target's), so the three run side by side
    /// (SinkhornDivergence.SolveBatch's twin). Writes f, g of the cross problem, the
    /// self-terms' potentials fSelfA [B, n], fSelfB [B, m] and stats [B, 3, 4]. Each team's
    /// shared memory is DivergenceWorkFloats(n, m, d, TeamSize) floats.</summary>
    public static void Divergence(SpecializedValue<int> dimension, ArrayView<float> x, ArrayView<float> y, ArrayView<float> a, ArrayView<float> b,
        SinkhornParameters p, ArrayView<float> fOut, ArrayView<float> gOut, ArrayView<float> fSelfA, ArrayView<float> fSelfB, ArrayView<float> stats)
    {
        int d = dimension, n = p.N, m = p.M;
        var team = Team.OfSize(p.TeamSize);
        long problem = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = problem < p.Problems;
        if (!valid) problem = p.Problems - 1;
        long k = problem / 3;
        int term = (int)(problem % 3);
        // Term 0 solves (x, y, a, b); term 1 the symmetric (x, x, a, a); term 2 (y, y, b, b).
        int rows = term == 2 ? m : n, cols = term == 0 ? m : rows;
        ArrayView<float> source = term == 2 ? y.SubView(k * m * d, m * d) : x.SubView(k * n * d, n * d);
        ArrayView<float> wRows = term == 2 ? b.SubView(k * m, m) : a.SubView(k * n, n);
        int teamFloats = DivergenceWorkFloats(n, m, d, team.Size);
        ArrayView<float> work = SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats);
        ArrayView<float> X = work.SubView(0, rows * d);
        ArrayView<float> Y = term == 0 ? work.SubView(rows * d, cols * d) : X;
        for (int i = team.Lane; i < rows * d; i += team.Size) X[i] = source[i];
        if (term == 0)
            for (int j = team.Lane; j < m * d; j += team.Size) Y[j] = y[k * m * d + j];
        Group.Barrier();
        ArrayView<float> f = term == 0 ? fOut.SubView(k * n, n) : term == 1 ? fSelfA.SubView(k * n, n) : fSelfB.SubView(k * m, m);
        Solve(team, valid, new CloudCostView(X, Y, d, p.Root != 0), wRows, term == 0 ? b.SubView(k * m, m) : wRows, rows, cols, term != 0, p,
            f, gOut.SubView(k * m, m), stats.SubView(problem * Stats, Stats), ArrayView<float>.Empty, work.SubView((rows + (term == 0 ? cols : 0)) * d));
    }

    /// <summary>Self-terms OT_eps(a, a) of clouds z [B, n, d] with weights a [B, n]: problem k
    /// (numbered as in Clouds) solves cloud k against itself in the symmetric mode, writing f
    /// [B, n], stats [B, 4] (the value 2 &lt;a, f&gt;) and, unless tape is empty, f_t after
    /// every iteration into tape [B, MaxIterations, 2 n] (the second half of a row unused) for
    /// the self-term's unrolled reverse pass. Each team's shared memory is
    /// SelfWorkFloats(n, d, TeamSize) floats.</summary>
    public static void SelfTerms(SpecializedValue<int> dimension, ArrayView<float> z, ArrayView<float> a, SinkhornParameters p,
        ArrayView<float> fOut, ArrayView<float> stats, ArrayView<float> tape)
    {
        int d = dimension, n = p.N;
        var team = Team.OfSize(p.TeamSize);
        long problem = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = problem < p.Problems;
        long k = valid ? problem : p.Problems - 1;
        int teamFloats = SelfWorkFloats(n, d, team.Size);
        ArrayView<float> work = SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats);
        ArrayView<float> Z = work.SubView(0, n * d);
        for (int i = team.Lane; i < n * d; i += team.Size) Z[i] = z[k * n * d + i];
        Group.Barrier();
        long taped = (long)p.MaxIterations * 2 * n;
        ArrayView<float> weights = a.SubView(k * n, n);
        Solve(team, valid, new CloudCostView(Z, Z, d, p.Root != 0), weights, weights, n, n, true, p, fOut.SubView(k * n, n), fOut.SubView(k * n, n),
            stats.SubView(k * Stats, Stats), tape.Length > 0 ? tape.SubView(k * taped, taped) : tape, work.SubView(n * d));
    }

    /// <summary>Dynamic shared floats per team of SelfTerms: one cloud n d and Solve's.</summary>
    public static int SelfWorkFloats(int n, int d, int team) => n * d + SolveFloats(n, n, team);

    /// <summary>The device buffers of a self-term run: f [B, n], stats [B, Stats] and, for a
    /// taped run, tape [B, MaxIterations, 2 n].</summary>
    internal readonly record struct SelfTermsRun(MemoryBuffer1D<float, Stride1D.Dense> F, MemoryBuffer1D<float, Stride1D.Dense> Stats,
        MemoryBuffer1D<float, Stride1D.Dense>? Tape)
    {
        /// <summary>Waits for the run and returns each cloud's value 2 &lt;a, f&gt;.</summary>
        public float[] Values(int count)
        {
            float[] stats = Stats.GetAsArray1D(); // synchronises
            var values = new float[count];
            for (int k = 0; k < count; k++) values[k] = stats[k * SinkhornKernel.Stats];
            return values;
        }
    }

    /// <summary>Launches SelfTerms on count clouds of n points already on the device, under the
    /// given metric; a taped run (Unrolled, no epsilon scaling) records every iterate.</summary>
    internal static SelfTermsRun LaunchSelfTerms(DeviceAccelerator device, DeviceBuffers buffers, ArrayView<float> z, ArrayView<float> a,
        int count, int n, int d, GroundMetric metric, SinkhornOptions options, bool taped)
    {
        if (taped && (options.Mode != SinkhornMode.Unrolled || options.EpsilonScaling != 0))
            throw new ArgumentException("A tape records an Unrolled run without epsilon scaling (Mode = Unrolled, EpsilonScaling = 0).", nameof(options));
        ThrowIfUnbalanced(options, "the self-term kernels of the unrolled cloud distances");
        Packing pack = Packing.For(device, count, n, n, team => SelfWorkFloats(n, d, team), nameof(z), $"Self-terms of {n} points in R^{d}");
        var run = new SelfTermsRun(buffers.Allocate((long)count * n, "the self-term potentials"), buffers.Allocate((long)count * Stats, "stats"),
            taped ? buffers.Allocate((long)count * options.MaxIterations * 2 * n, "the self-terms' unrolled tape") : null);
        var kernel = device.Device.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, SinkhornParameters,
            ArrayView<float>, ArrayView<float>, ArrayView<float>>(SelfTerms);
        kernel(pack.Config(SelfWorkFloats(n, d, pack.TeamSize)), SpecializedValue.New(d), z, a,
            new SinkhornParameters(n, n, options, count, pack.TeamSize, metric), run.F.View, run.Stats.View, run.Tape?.View ?? ArrayView<float>.Empty);
        return run;
    }

    /// <summary>Histograms on one support under a shared dense cost C [n, m] with C^T [m, n]:
    /// problem k (numbered as in Clouds) is a from offset k aStride (aStride 0: one source
    /// against every target) against b [k] (Sinkhorn.SolveBatch's shared-cost twin). Each
    /// team's shared memory is SolveFloats(n, m, TeamSize) floats.</summary>
    public static void Dense(ArrayView<float> cost, ArrayView<float> costT, ArrayView<float> a, int aStride, ArrayView<float> b,
        SinkhornParameters p, ArrayView<float> fOut, ArrayView<float> gOut, ArrayView<float> stats)
    {
        int n = p.N, m = p.M;
        var team = Team.OfSize(p.TeamSize);
        long problem = (long)Grid.IdxX * (Group.DimX / team.Size) + team.Index;
        bool valid = problem < p.Problems;
        long k = valid ? problem : p.Problems - 1;
        int teamFloats = SolveFloats(n, m, team.Size);
        Solve(team, valid, new DenseCostView(cost, costT, n, m), a.SubView(k * aStride, n), b.SubView(k * m, m), n, m, false, p,
            fOut.SubView(k * n, n), gOut.SubView(k * m, m), stats.SubView(k * Stats, Stats), ArrayView<float>.Empty,
            SharedMemory.GetDynamic<float>().SubView(team.Index * teamFloats, teamFloats));
    }

    /// <summary>One problem per team: the cost (points in shared memory, or a dense matrix),
    /// weights a [n], b [m]. Plain mode is Sinkhorn.SolveOne: f = softmin(g), g = softmin(f),
    /// over-relaxed except before a check. Symmetric mode (Y = X, b = a) is
    /// Sinkhorn.SolveOne's self-term mode, the averaged f = (f + softmin(f)) / 2 of a self-term, whose
    /// value is 2 &lt;a, f&gt; and which writes no g. A non-empty tape [MaxIterations, n + m]
    /// receives (f, g) after every iteration. work holds the floats SolveFloats counts.
    /// The teams of a group share its barriers, so every loop runs while any team of the
    /// group still works (Group.BarrierOr) and a team that has finished, or has no problem
    /// (valid false), goes through the barriers with nothing to do (counts of zero). A warm
    /// solve starts from fOut and gOut (a nearby problem's potentials: Sinkhorn.SolveOne's
    /// warmStart) instead of zero.</summary>
    internal static void Solve<TCost>(Team team, bool valid, TCost cost, ArrayView<float> a, ArrayView<float> b, int n, int m, bool symmetric,
        SinkhornParameters p, ArrayView<float> fOut, ArrayView<float> gOut, ArrayView<float> stats, ArrayView<float> tape, ArrayView<float> work,
        bool warm = false)
        where TCost : struct, IDeviceCost
    {
        ArrayView<float> f = work.SubView(0, n), fNew = work.SubView(n, n), fNext = work.SubView(2 * n, n), logA = work.SubView(3 * n, n);
        int at = 4 * n;
        ArrayView<float> g = work.SubView(at, m), gNew = work.SubView(at + m, m), gNext = work.SubView(at + 2 * m, m), logB = work.SubView(at + 3 * m, m);
        at += 4 * m;
        ArrayView<float> h = work.SubView(at, XMath.Max(n, m)), red = work.SubView(at + XMath.Max(n, m), team.Size);

        float mass = LoadLogWeights(team, logA, a, n, red);
        float massB = LoadLogWeights(team, logB, b, m, red);
        if (warm)
        {
            // Only a warm solve reads fOut and gOut (gOut is empty in symmetric mode).
            for (int i = team.Lane; i < n; i += team.Size) f[i] = fOut[i];
            for (int j = team.Lane; j < m; j += team.Size) gNext[j] = g[j] = gOut[j];
        }
        else
        {
            for (int i = team.Lane; i < n; i += team.Size) f[i] = 0;
            for (int j = team.Lane; j < m; j += team.Size) { g[j] = 0; gNext[j] = 0; }
        }
        Group.Barrier();
        // The f update's input: g and b, or in symmetric mode f and a over the same points.
        int inner = symmetric ? n : m, gCount = symmetric ? 0 : m;
        ArrayView<float> logQ = symmetric ? logA : logB;
        float stageStep = symmetric ? 0.5f : 1f;

        // Epsilon scaling: one iteration per stage, from the largest cost down to the target.
        bool consistent = symmetric; // does g equal softmin(f)? (always true of a self-term's check)
        float e = p.Scaling > 0 ? MaxCost(team, cost, n, inner, red) : 0;
        bool staging = valid && p.Scaling > 0 && e > p.Epsilon;
        while (Group.BarrierOr(staging))
        {
            int rows = staging ? n : 0;
            Log2Weights(team, h, symmetric ? f : g, logQ, staging ? inner : 0, e);
            SoftMin(team, fNext, rows, h, inner, cost, true, e, p.Damping(e));
            Group.Barrier();
            Advance(team, f, f, fNext, rows, stageStep);
            Log2Weights(team, h, f, logA, rows, e);
            SoftMin(team, g, staging ? gCount : 0, h, n, cost, false, e, p.Damping(e));
            Group.Barrier();
            if (staging)
            {
                consistent = true;
                e *= p.Scaling;
                staging = e > p.Epsilon;
            }
        }

        float eps = p.Epsilon, error = float.NaN, status = 1, damping = p.Damping(p.Epsilon); // status 1: MaxIterations
        int iteration = 0;
        bool done = !valid;
        while (Group.BarrierOr(!done))
        {
            bool active = !done;
            int rows = active ? n : 0, cols = active ? gCount : 0;
            Log2Weights(team, h, symmetric ? f : g, logQ, active ? inner : 0, eps);
            SoftMin(team, fNext, rows, h, inner, cost, true, eps, damping);
            Group.Barrier();
            float rowError = RowMarginalError(team, logA, f, fNext, rows, eps, damping, p.InverseRho, red);
            // A check's reductions run in every team when any team checks (the barriers are
            // shared); only the checking teams use them.
            bool check = active && consistent && (iteration == p.MaxIterations || iteration % p.CheckEvery == 0);
            if (Group.BarrierOr(check))
            {
                // Sinkhorn.PrecisionFloor over (a, fNext) and (b, g), or (a, f) for a self-term.
                float floor = 4 * FloatUnitRoundoff * (MaxAbs(team, logA, fNext, n, red) + MaxAbs(team, logQ, symmetric ? f : g, inner, red)) / eps;
                if (check)
                {
                    error = rowError;
                    status = CheckStatus(ref error, floor, mass, p, iteration);
                    done = status != Continue;
                    if (!done) status = 1; // MaxIterations, unless a later check decides
                }
            }
            done = done || iteration == p.MaxIterations;
            // Over-relaxed steps, except before a check (Sinkhorn.SolveOne); a self-term's
            // step is the average (Sinkhorn.SolveOne's self-term mode).
            bool relaxed = !symmetric && p.OverRelaxation != 1 && p.Unrolled == 0 && (iteration + 1) % p.CheckEvery != 0 && iteration + 1 != p.MaxIterations;
            float w = symmetric ? 0.5f : relaxed ? p.OverRelaxation : 1;
            Advance(team, fNew, f, fNext, rows, w);
            Log2Weights(team, h, fNew, logA, rows, eps);
            SoftMin(team, gNext, cols, h, n, cost, false, eps, damping);
            Group.Barrier();
            Advance(team, gNew, g, gNext, cols, w);
            if (active && !done)
            {
                (f, fNew) = (fNew, f);
                (g, gNew) = (gNew, g);
                if (tape.Length > 0)
                {
                    for (int i = team.Lane; i < n; i += team.Size) tape[(long)iteration * (n + m) + i] = f[i];
                    for (int j = team.Lane; j < m; j += team.Size) tape[(long)iteration * (n + m) + n + j] = g[j];
                }
                consistent = !relaxed;
                iteration++;
            }
        }

        float sumA = WeightedSum(team, logA, f, n, red), sumB = WeightedSum(team, logB, g, m, red);
        // Unbalanced: Sinkhorn.UnbalancedValue from the relaxed sums (p.InverseRho is the
        // launch's, so every team takes the same branch through the reductions' barriers).
        float value = symmetric ? 2 * sumA : sumA + sumB;
        if (p.InverseRho > 0)
        {
            float gainA = RelaxedSum(team, logA, f, n, p.InverseRho, false, red), planMass = RelaxedSum(team, logQ, symmetric ? f : g, inner, p.InverseRho, true, red);
            float gainB = symmetric ? gainA : RelaxedSum(team, logB, g, m, p.InverseRho, false, red);
            value = gainA + gainB - eps * (planMass - mass * (symmetric ? mass : massB));
        }
        if (!valid) return;
        for (int i = team.Lane; i < n; i += team.Size) fOut[i] = f[i];
        if (!symmetric)
            for (int j = team.Lane; j < m; j += team.Size) gOut[j] = g[j];
        if (team.Lane == 0)
        {
            stats[0] = value;
            stats[1] = error;
            stats[2] = iteration;
            stats[3] = status;
        }
    }

    /// <summary>Solves the batch on a device and waits: the result has the CPU path's shape
    /// and statuses certified by the CPU's rule (SinkhornResult.Certify).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The problems need more shared memory per
    /// group than the device has.</exception>
    public static SinkhornResult<float> Solve(DeviceAccelerator device, PointCloudBatch batch, SinkhornOptions options)
    {
        using DeviceBuffers buffers = device.Buffers();
        ResidentBatch inputs = ResidentBatch.Upload(buffers, batch);
        return LaunchClouds(device, buffers, inputs, batch, options, taped: false).Download(batch, options);
    }

    /// <summary>As Solve, also returning the tape [B, MaxIterations, n + m] of the iterates
    /// (f_t, g_t) of an Unrolled run without epsilon scaling, as SinkhornTape records them.</summary>
    public static (SinkhornResult<float> Result, float[] Tape) SolveTaped(DeviceAccelerator device, PointCloudBatch batch, SinkhornOptions options)
    {
        using DeviceBuffers buffers = device.Buffers();
        ResidentBatch inputs = ResidentBatch.Upload(buffers, batch);
        CloudsRun run = LaunchClouds(device, buffers, inputs, batch, options, taped: true);
        SinkhornResult<float> result = run.Download(batch, options);
        return (result, run.Tape!.GetAsArray1D());
    }

    /// <summary>The device buffers of a forward run: f [B, n], g [B, m], stats [B, Stats] and,
    /// for a taped run, tape [B, MaxIterations, n + m].</summary>
    internal readonly record struct CloudsRun(MemoryBuffer1D<float, Stride1D.Dense> F, MemoryBuffer1D<float, Stride1D.Dense> G,
        MemoryBuffer1D<float, Stride1D.Dense> Stats, MemoryBuffer1D<float, Stride1D.Dense>? Tape)
    {
        /// <summary>Waits for the run and copies it into a result of the batch's shape, certified.</summary>
        public SinkhornResult<float> Download(PointCloudBatch batch, SinkhornOptions options)
        {
            var result = new SinkhornResult<float>(batch.Batch, batch.N, batch.M, options.Epsilon, batch.CostOf, batch.A.ToArray(), batch.B.ToArray(),
                options.MarginalPenalty);
            F.CopyToCPU(result.F); // synchronises
            G.CopyToCPU(result.G);
            Unpack(Stats.GetAsArray1D(), batch.Batch, 1, 0, result.Value, result.MarginalError, result.Iterations, result.Status);
            result.Certify(options);
            return result;
        }
    }

    /// <summary>Launches the forward kernel on a batch already on the device, its outputs in
    /// the operation's buffers; a taped run (Unrolled, no epsilon scaling) also records every
    /// iterate for the unrolled reverse pass, which reads them where they are.</summary>
    internal static CloudsRun LaunchClouds(DeviceAccelerator device, DeviceBuffers buffers, ResidentBatch inputs, PointCloudBatch batch,
        SinkhornOptions options, bool taped)
    {
        if (taped && (options.Mode != SinkhornMode.Unrolled || options.EpsilonScaling != 0))
            throw new ArgumentException("A tape records an Unrolled run without epsilon scaling (Mode = Unrolled, EpsilonScaling = 0).", nameof(options));
        int n = batch.N, m = batch.M, d = batch.Dimension;
        Packing pack = Validate(device, batch.Batch, batch, options, team => WorkFloats(n, m, d, team));
        var run = new CloudsRun(buffers.Allocate((long)batch.Batch * n, "f"), buffers.Allocate((long)batch.Batch * m, "g"),
            buffers.Allocate((long)batch.Batch * Stats, "stats"),
            taped ? buffers.Allocate((long)batch.Batch * options.MaxIterations * (n + m), "the unrolled tape") : null);
        var kernel = device.Device.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            SinkhornParameters, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Clouds);
        kernel(pack.Config(WorkFloats(n, m, d, pack.TeamSize)),
            SpecializedValue.New(d), inputs.X, inputs.Y, inputs.A, inputs.B, new SinkhornParameters(n, m, options, batch.Batch, pack.TeamSize, batch.Metric),
            run.F.View, run.G.View, run.Stats.View, run.Tape?.View ?? ArrayView<float>.Empty);
        return run;
    }

    /// <summary>The divergences of the batch, the three problems of each pair in one launch
    /// (SinkhornDivergence.SolveBatch's shape).</summary>
    public static SinkhornDivergenceResult<float> SolveDivergence(DeviceAccelerator device, PointCloudBatch batch, SinkhornOptions options)
    {
        using DeviceBuffers buffers = device.Buffers();
        ResidentBatch inputs = ResidentBatch.Upload(buffers, batch);
        DivergenceRun run = LaunchDivergence(device, buffers, inputs, batch, options);
        int count = batch.Batch, n = batch.N, m = batch.M;
        var cross = new SinkhornResult<float>(count, n, m, options.Epsilon, batch.CostOf, batch.A.ToArray(), batch.B.ToArray(), options.MarginalPenalty);
        var result = new SinkhornDivergenceResult<float>(cross, count);
        run.F.CopyToCPU(cross.F); // synchronises
        run.G.CopyToCPU(cross.G);
        run.FSelfA.CopyToCPU(result.FSelfA);
        run.FSelfB.CopyToCPU(result.FSelfB);
        float[] s = run.Stats.GetAsArray1D();
        Unpack(s, count, 3, 0, cross.Value, cross.MarginalError, cross.Iterations, cross.Status);
        Unpack(s, count, 3, 1, result.SelfValueA, result.SelfMarginalErrorA, default, result.SelfStatusA);
        Unpack(s, count, 3, 2, result.SelfValueB, result.SelfMarginalErrorB, default, result.SelfStatusB);
        cross.Certify(options);
        for (int k = 0; k < count; k++)
            result.Value[k] = cross.Value[k] - 0.5 * result.SelfValueA[k] - 0.5 * result.SelfValueB[k]
                + (options.Unbalanced ? SinkhornDivergence.MassTerm(cross.AOf(k), cross.BOf(k), options.Epsilon) : 0);
        return result;
    }

    /// <summary>The device buffers of a divergence run: the cross potentials, the self-terms'
    /// potentials and stats [B, 3, Stats] (cross, self a, self b).</summary>
    internal readonly record struct DivergenceRun(MemoryBuffer1D<float, Stride1D.Dense> F, MemoryBuffer1D<float, Stride1D.Dense> G,
        MemoryBuffer1D<float, Stride1D.Dense> FSelfA, MemoryBuffer1D<float, Stride1D.Dense> FSelfB, MemoryBuffer1D<float, Stride1D.Dense> Stats);

    /// <summary>Launches the divergence kernel (3 B groups) on a batch already on the device.</summary>
    internal static DivergenceRun LaunchDivergence(DeviceAccelerator device, DeviceBuffers buffers, ResidentBatch inputs, PointCloudBatch batch,
        SinkhornOptions options)
    {
        int count = batch.Batch, n = batch.N, m = batch.M, d = batch.Dimension;
        Packing pack = Validate(device, checked(3 * count), batch, options, team => DivergenceWorkFloats(n, m, d, team));
        var run = new DivergenceRun(buffers.Allocate((long)count * n, "f"), buffers.Allocate((long)count * m, "g"),
            buffers.Allocate((long)count * n, "the self-term potentials of a"), buffers.Allocate((long)count * m, "the self-term potentials of b"),
            buffers.Allocate(3L * count * Stats, "stats"));
        var kernel = device.Device.LoadStreamKernel<SpecializedValue<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            SinkhornParameters, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Divergence);
        kernel(pack.Config(DivergenceWorkFloats(n, m, d, pack.TeamSize)),
            SpecializedValue.New(d), inputs.X, inputs.Y, inputs.A, inputs.B, new SinkhornParameters(n, m, options, 3 * count, pack.TeamSize, batch.Metric),
            run.F.View, run.G.View, run.FSelfA.View, run.FSelfB.View, run.Stats.View);
        return run;
    }

    /// <summary>Histograms under one shared dense cost on a device: sources [count, n] (or one
    /// source, when sharedSource) against targets [count, m], already validated and rescaled
    /// (Sinkhorn.SolveBatch's shared-cost overload); one copy of the cost on the device.</summary>
    public static SinkhornResult<float> SolveShared(DeviceAccelerator device, DenseCost cost, float[] sources, bool sharedSource, float[] targets,
        int count, SinkhornOptions options)
    {
        int n = cost.Rows, m = cost.Cols;
        Packing pack = Packing.For(device, count, n, m, team => SolveFloats(n, m, team), nameof(cost), $"Problems on a {n} x {m} cost");
        var result = new SinkhornResult<float>(count, n, m, options.Epsilon, _ => cost, sources, targets, options.MarginalPenalty);
        (float[] c, float[] cT) = DenseCopies(cost);
        using DeviceBuffers buffers = device.Buffers();
        var dc = buffers.Upload(c, "the cost");
        var dcT = buffers.Upload(cT, "the transposed cost");
        var da = buffers.Upload(sharedSource ? sources.AsSpan(0, n) : sources, "a");
        var db = buffers.Upload(targets, "b");
        var f = buffers.Allocate(result.F.Length, "f");
        var g = buffers.Allocate(result.G.Length, "g");
        var stats = buffers.Allocate((long)count * Stats, "stats");
        var kernel = device.Device.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>,
            SinkhornParameters, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dense);
        kernel(pack.Config(SolveFloats(n, m, pack.TeamSize)), dc.View, dcT.View, da.View, sharedSource ? 0 : n, db.View,
            new SinkhornParameters(n, m, options, count, pack.TeamSize), f.View, g.View, stats.View);
        device.Synchronize();
        f.CopyToCPU(result.F);
        g.CopyToCPU(result.G);
        Unpack(stats.GetAsArray1D(), count, 1, 0, result.Value, result.MarginalError, result.Iterations, result.Status);
        result.Certify(options);
        return result;
    }

    /// <summary>Copies the per-problem stats [problems, stride, Stats] at offset into a
    /// result's value, error, iterations (unless empty) and status.</summary>
    private static void Unpack(ReadOnlySpan<float> stats, int problems, int stride, int offset,
        Span<double> value, Span<double> error, Span<int> iterations, Span<SinkhornStatus> status)
    {
        for (int k = 0; k < problems; k++)
        {
            ReadOnlySpan<float> s = stats.Slice((k * stride + offset) * Stats, Stats);
            value[k] = s[0];
            error[k] = s[1];
            if (!iterations.IsEmpty) iterations[k] = (int)s[2];
            status[k] = (SinkhornStatus)(int)s[3];
        }
    }

    /// <summary>C [n, m] and C^T [m, n] of any ground cost in float, as DenseCostView reads them.</summary>
    internal static (float[] Cost, float[] Transposed) DenseCopies(GroundCost cost)
    {
        int n = cost.Rows, m = cost.Cols;
        var c = new float[checked(n * m)];
        var cT = new float[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) c[i * m + j] = cT[j * n + i] = (float)cost[i, j];
        return (c, cT);
    }

    /// <summary>Checks the arguments, and the packing of problems into groups (which checks
    /// the shared memory one problem needs).</summary>
    private static Packing Validate(DeviceAccelerator device, int problems, PointCloudBatch batch, SinkhornOptions options, Func<int, int> teamFloats)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Packing.For(device, problems, batch.N, batch.M, teamFloats, nameof(batch), $"Problems of {batch.N} x {batch.M} points in R^{batch.Dimension}");
    }

    /// <summary>The self-term kernels, whose unrolled reverse pass is written for balanced transport only.</summary>
    internal static void ThrowIfUnbalanced(SinkhornOptions options, string what)
    {
        if (options.Unbalanced)
            throw new ArgumentException($"Unbalanced transport (MarginalPenalty) is not implemented in {what}; run it on a CpuAccelerator.", nameof(options));
    }

    /// <summary>A batch's points and weights on the device, in an operation's buffers.</summary>
    internal readonly record struct ResidentBatch(ArrayView<float> X, ArrayView<float> Y, ArrayView<float> A, ArrayView<float> B)
    {
        public static ResidentBatch Upload(DeviceBuffers buffers, PointCloudBatch batch) => new(
            buffers.Upload(batch.X.Span, "the points x").View, buffers.Upload(batch.Y.Span, "the points y").View,
            buffers.Upload(batch.A.Span, "the weights a").View, buffers.Upload(batch.B.Span, "the weights b").View);
    }

    private const float FloatUnitRoundoff = 5.9604645e-8f; // 2^-24
    private const float Continue = -1;

    /// <summary>Sinkhorn.CheckStatus's twin in float: the status (0 Converged, 1
    /// MaxIterations, 2 Diverged, 3 PrecisionLimit) or Continue, with the error raised to the
    /// rounding floor where the floor decides.</summary>
    private static float CheckStatus(ref float error, float floor, float mass, SinkhornParameters p, int iteration)
    {
        if (!(floor <= 3.0e38f)) return 2; // a potential is not finite
        bool unreachable = floor > p.Tolerance && p.Tolerance > 0;
        if (unreachable && !(error <= 3.0e38f)) { error = float.PositiveInfinity; return 3; }
        if (!(error <= 3.0e38f)) return 2;
        bool mayStop = p.Unrolled == 0 || iteration == p.MaxIterations;
        if (!mayStop) return Continue;
        if (unreachable)
        {
            if (error > floor * mass && iteration < p.MaxIterations) return Continue;
            error = XMath.Max(error, floor * mass);
            return 3;
        }
        return error + floor * mass <= p.Tolerance * mass ? 0 : Continue;
    }

    /// <summary>max |p_i| over the entries of positive weight (log w finite), on every thread of the team.</summary>
    private static float MaxAbs(Team team, ArrayView<float> logW, ArrayView<float> potential, int count, ArrayView<float> red)
    {
        float max = 0;
        for (int i = team.Lane; i < count; i += team.Size)
            if (logW[i] != float.NegativeInfinity) max = XMath.Max(max, XMath.Abs(potential[i]));
        return GroupReduce.Max(max, red, team);
    }

    /// <summary>out_o = softmin over i of (C - p_i) weighted by w, from h = (p / eps + log w)
    /// log2e, with C = C(o, i) for a row owner (byRow, the f update) and C(i, o) for a column
    /// owner; -inf entries (zero weights) are skipped (GroundCost.SoftMin's twin).</summary>
    internal static void SoftMin<TCost>(Team team, ArrayView<float> output, int outCount, ArrayView<float> h, int inCount, TCost cost, bool byRow, float eps,
        float damping = 1) where TCost : struct, IDeviceCost
    {
        float scale = Log2E / eps, outScale = -damping * eps * Ln2;
        int o = team.Lane;
        // Two outputs per pass where the thread owns two (o and o + team size): each input's
        // h_i and point are loaded once for both (register blocking; Packing sizes teams so
        // that threads own two outputs of a problem).
        for (; o + team.Size < outCount; o += 2 * team.Size)
        {
            int o2 = o + team.Size;
            float max1 = float.NegativeInfinity, sum1 = 0, max2 = float.NegativeInfinity, sum2 = 0;
            for (int i = 0; i < inCount; i++)
            {
                float hi = h[i];
                if (hi == float.NegativeInfinity) continue;
                cost.Pair(byRow, o, o2, i, out float c1, out float c2);
                Accumulate(hi - c1 * scale, ref max1, ref sum1);
                Accumulate(hi - c2 * scale, ref max2, ref sum2);
            }
            output[o] = outScale * (max1 + XMath.Log2(sum1));
            output[o2] = outScale * (max2 + XMath.Log2(sum2));
        }
        if (o < outCount)
        {
            float max = float.NegativeInfinity, sum = 0;
            for (int i = 0; i < inCount; i++)
            {
                float hi = h[i];
                if (hi == float.NegativeInfinity) continue;
                Accumulate(hi - (byRow ? cost.ForRow(o, i) : cost.ForColumn(i, o)) * scale, ref max, ref sum);
            }
            output[o] = outScale * (max + XMath.Log2(sum));
        }
    }

    /// <summary>One term of a streamed base-2 log-sum-exp: sum 2^(v - max) with a running
    /// maximum, one exp2 per term.</summary>
    private static void Accumulate(float v, ref float max, ref float sum)
    {
        if (v > max) { sum = sum * XMath.Exp2(max - v) + 1; max = v; }
        else sum += XMath.Exp2(v - max);
    }

    /// <summary>h_i = (p_i / eps + log w_i) log2e, then a barrier (Sinkhorn.UpdateF/UpdateG's first step).</summary>
    private static void Log2Weights(Team team, ArrayView<float> h, ArrayView<float> potential, ArrayView<float> logW, int count, float eps)
    {
        for (int i = team.Lane; i < count; i += team.Size) h[i] = (potential[i] / eps + logW[i]) * Log2E;
        Group.Barrier();
    }

    /// <summary>to = from + w (update - from), exactly update where w = 1 or from is not
    /// finite, then a barrier (Sinkhorn.Relax). to may be from.</summary>
    private static void Advance(Team team, ArrayView<float> to, ArrayView<float> from, ArrayView<float> update, int count, float w)
    {
        for (int i = team.Lane; i < count; i += team.Size)
        {
            float old = from[i];
            to[i] = w != 1 && old - old == 0 ? old + w * (update[i] - old) : update[i];
        }
        Group.Barrier();
    }

    /// <summary>log w, -inf for zero weights (Sinkhorn.LogWeights); returns sum w over the team.</summary>
    private static float LoadLogWeights(Team team, ArrayView<float> logW, ArrayView<float> w, int count, ArrayView<float> red)
    {
        float mass = 0;
        for (int i = team.Lane; i < count; i += team.Size)
        {
            float wi = w[i];
            logW[i] = wi > 0 ? XMath.Log(wi) : float.NegativeInfinity;
            mass += wi;
        }
        return GroupReduce.Sum(mass, red, team);
    }

    /// <summary>max |C| over all pairs, where epsilon scaling starts (GroundCost.MaxCost).</summary>
    private static float MaxCost<TCost>(Team team, TCost cost, int n, int m, ArrayView<float> red) where TCost : struct, IDeviceCost
    {
        float max = 0;
        for (int j = team.Lane; j < m; j += team.Size)
            for (int i = 0; i < n; i++) max = XMath.Max(max, XMath.Abs(cost.ForColumn(i, j)));
        return GroupReduce.Max(max, red, team);
    }

    /// <summary>sum_i a_i |exp(-f_i / rho) - exp((f_i - fNext_i / kappa) / eps)| over a_i > 0
    /// (Sinkhorn.RowMarginalError; balanced: inverseRho 0, kappa 1).</summary>
    private static float RowMarginalError(Team team, ArrayView<float> logA, ArrayView<float> f, ArrayView<float> fNext, int n, float eps, float damping,
        float inverseRho, ArrayView<float> red)
    {
        float error = 0;
        for (int i = team.Lane; i < n; i += team.Size)
        {
            if (logA[i] == float.NegativeInfinity) continue;
            float target = inverseRho > 0 ? XMath.Exp(-f[i] * inverseRho) : 1;
            error += XMath.Exp(logA[i]) * XMath.Abs(target - XMath.Exp2((f[i] - fNext[i] / damping) / eps * Log2E));
        }
        return GroupReduce.Sum(error, red, team);
    }

    /// <summary>exp(x) - 1 to float's relative precision near 0 (Kahan's correction, as
    /// Sinkhorn.ExpM1): rho (1 - e^(-f/rho)) keeps its digits for large rho.</summary>
    internal static float ExpM1(float x)
    {
        float u = XMath.Exp(x);
        return u == 1 ? x : u == 0 ? -1 : (u - 1) * x / XMath.Log(u);
    }

    /// <summary>Over w_i > 0: sum w_i exp(-p_i / rho) (marginal), else sum w_i rho (1 - exp(-p_i / rho))
    /// (Sinkhorn.RelaxedTerms).</summary>
    private static float RelaxedSum(Team team, ArrayView<float> logW, ArrayView<float> potential, int count, float inverseRho, bool marginal,
        ArrayView<float> red)
    {
        float sum = 0;
        for (int i = team.Lane; i < count; i += team.Size)
        {
            if (logW[i] == float.NegativeInfinity) continue;
            float shrink = ExpM1(-potential[i] * inverseRho);
            sum += XMath.Exp(logW[i]) * (marginal ? 1 + shrink : -shrink / inverseRho);
        }
        return GroupReduce.Sum(sum, red, team);
    }

    /// <summary>sum_i w_i p_i over w_i > 0 (Sinkhorn.WeightedSum).</summary>
    private static float WeightedSum(Team team, ArrayView<float> logW, ArrayView<float> potential, int count, ArrayView<float> red)
    {
        float sum = 0;
        for (int i = team.Lane; i < count; i += team.Size)
            if (logW[i] != float.NegativeInfinity) sum += XMath.Exp(logW[i]) * potential[i];
        return GroupReduce.Sum(sum, red, team);
    }
}
