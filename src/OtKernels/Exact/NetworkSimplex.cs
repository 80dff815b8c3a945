// Exact optimal transport between two discrete measures by the primal network simplex:
//     W = min_P <P, C>  s.t.  P 1 = a,  P^T 1 = b,  P >= 0,
// with the plan and dual potentials that certify it. This file validates the input,
// removes the zero-mass bins (they carry no flow), solves what is left and restores the zero
// bins in the outputs, their potentials completed by the c-transform so that the certificate
// u_i + v_j <= C_ij holds over every arc.
// Two paths, one solver (NetworkSimplexSolver): a cost that coarsens (ImageGridCost) is
// solved multiscale and sparse (Schmitzer 2016): the coarsened problem first, recursively,
// then the fine problem on the arcs its plan suggests, grown by a check of every arc until
// none could lower the cost, so the result is exact and certified without an n x m matrix.
// Any other cost is solved on the complete graph of the nonzero bins.
// What it is not: an entropic or approximate solver (see Entropic/), or a solver for
// unbalanced masses.
using OtKernels.Geometry;
using OtKernels.LinearAlgebra;

namespace OtKernels.Exact;

/// <summary>Earth mover's distance by network simplex, in double precision.</summary>
public static class NetworkSimplex
{
    /// <summary>Above this many arcs (after zero bins are removed) a cost without a coarsening
    /// would need a buffer over 512 MB; such problems are rejected rather than thrashing
    /// memory. Costs that coarsen hold only their sparse arcs and have no such limit.</summary>
    public const long MaxArcs = 1L << 26;

    /// <summary>Problems with at least this many arcs (after zero bins are removed) start
    /// from the solution of their coarsening, when the cost has one (at 1,024 rather than
    /// 4,096 the 14 x 14 level of MNIST starts from the 7 x 7 one: 728 to 657 pivots per pair).</summary>
    private const int MultiscaleMinArcs = 1024;

    /// <summary>From this many arcs a problem with a coarse start is solved on the sparse
    /// path; below it the complete graph, priced a whole row at a time, is faster (measured:
    /// 28 x 28 MNIST digits at 22,000 arcs 1.2x faster complete, full 16 x 16 grids at
    /// 65,000 arcs 1.3x faster sparse; PERFORMANCE.md).</summary>
    private const long SparseMinArcs = 1 << 16;

    [ThreadStatic] private static NetworkSimplexSolver? t_solver;

    /// <summary>Solves min &lt;P, C&gt; over plans with marginals a and b.</summary>
    /// <param name="a">Source masses, length C.Rows: finite, nonnegative, not all zero.</param>
    /// <param name="b">Target masses, length C.Cols, with the same sum as a
    /// (relative <see cref="EmdOptions.MassTolerance"/>) unless <see cref="EmdOptions.Normalize"/>.</param>
    /// <param name="cost">The ground cost; any finite reals, negative ones included.</param>
    /// <param name="options">Limits and mass handling; <see cref="EmdOptions.Default"/> if null.</param>
    /// <returns>The cost, a sparse basic plan, the dual potentials and the status. The
    /// result is a deterministic function of the input.</returns>
    /// <exception cref="ArgumentException">NaN, infinity, negative or all-zero masses, a
    /// length that does not match the cost, or masses whose sums differ; the message names
    /// the argument and the index.</exception>
    public static EmdResult Solve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, GroundCost cost, EmdOptions? options = null) =>
        SolveWith(PathSizes.Default, a, b, cost, options);

    /// <summary>From how many arcs (after zero bins are removed) a cost that coarsens starts
    /// from its coarse solution, and from how many it is solved on the sparse path.</summary>
    internal readonly record struct PathSizes(long Multiscale, long Sparse)
    {
        public static PathSizes Default => new(MultiscaleMinArcs, SparseMinArcs);
    }

    /// <summary>Solve with the given path sizes (tests take (0, 0) to send small problems
    /// down the multiscale sparse path).</summary>
    internal static EmdResult SolveWith(PathSizes sizes, ReadOnlySpan<double> a, ReadOnlySpan<double> b, GroundCost cost, EmdOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cost);
        options ??= EmdOptions.Default;
        ThrowHelper.ThrowIfLengthMismatch(a.Length, cost.Rows, nameof(a), "the cost's row count");
        ThrowHelper.ThrowIfLengthMismatch(b.Length, cost.Cols, nameof(b), "the cost's column count");
        options.Validate();
        (double scaleA, double scaleB) = MassBalance.Scales(a, b, options);

        int[] rows = NonzeroIndices(a);
        int[] cols = NonzeroIndices(b);
        var supply = new double[rows.Length];
        var demand = new double[cols.Length];
        for (int k = 0; k < rows.Length; k++) supply[k] = a[rows[k]] * scaleA;
        for (int k = 0; k < cols.Length; k++) demand[k] = b[cols[k]] * scaleB;

        CompactSolution solution = SolveCompact(supply, demand, rows, cols, cost, options.MaxIterations, sizes, depth: 0);
        var plan = new TransportPlan(new int[solution.Plan.Count], new int[solution.Plan.Count], new double[solution.Plan.Count]);
        double total = 0;
        for (int k = 0; k < solution.Plan.Count; k++)
        {
            (int r, int col, double mass, double c) = solution.Plan[k];
            plan.Rows[k] = rows[r];
            plan.Cols[k] = cols[col];
            plan.Mass[k] = mass;
            total += mass * c;
        }
        return new EmdResult(total, plan, () => CompleteDuals(cost, rows, cols, solution.U, solution.V),
            solution.Pivots, solution.Optimal ? EmdStatus.Optimal : EmdStatus.MaxIterationsReached);
    }

    /// <summary>The solution of a compact problem (nonzero bins only): the plan's entries
    /// (compact row, compact column, mass, cost), the potentials, the pivots of all levels.</summary>
    private sealed record CompactSolution(List<(int Row, int Col, double Mass, double Cost)> Plan, double[] U, double[] V, int Pivots, bool Optimal);

    /// <summary>Solves the problem between the bins rows and cols (masses supply, demand, all
    /// positive): on the sparse multiscale path when the cost coarsens and the problem is
    /// large enough, else on the complete graph.</summary>
    private static CompactSolution SolveCompact(double[] supply, double[] demand, int[] rows, int[] cols, GroundCost cost, int maxIterations, PathSizes sizes, int depth)
    {
        long arcs = (long)rows.Length * cols.Length;
        // The coarse solve recurses, so it must finish before this level takes the
        // thread's workspace.
        (CoarseStart Start, int Pivots)? coarse = arcs >= sizes.Multiscale && cost.Coarsen() is { } coarsening
            ? CoarseSolve(coarsening, rows, cols, supply, demand, maxIterations, sizes, depth + 1)
            : null;
        long started = EmdTrace.Now();
        NetworkSimplexSolver solver = t_solver ??= new NetworkSimplexSolver();
        int coarsePivots = coarse?.Pivots ?? 0, budget = Math.Max(0, maxIterations - coarsePivots);
        bool optimal;
        if (coarse is { } c && (arcs >= sizes.Sparse || arcs > MaxArcs))
        {
            optimal = solver.SolveSparse(supply, demand, cost.RowsOver(cols), rows, budget, c.Start);
        }
        else
        {
            if (arcs > MaxArcs)
                throw new ArgumentException($"{rows.Length} x {cols.Length} nonzero bins exceed the {MaxArcs} arcs this solver holds for a cost without a coarsening.", nameof(cost));
            Span<double> dense = solver.CompleteCosts(rows.Length, cols.Length);
            cost.FillSubmatrix(rows, cols, dense);
            if (!OverflowRuledOut(cost.KnownMaxCost, rows.Length, cols.Length)) ThrowIfCostsOverflow(dense, rows, cols);
            optimal = solver.SolveComplete(supply, demand, budget, coarse?.Start);
        }
        var plan = new List<(int Row, int Col, double Mass, double Cost)>(rows.Length + cols.Length);
        solver.CopyPlan(plan);
        var u = new double[rows.Length];
        var v = new double[cols.Length];
        solver.CopyPotentials(u, v);
        EmdTrace.Record(depth, rows.Length, cols.Length, solver.ArcCount, solver.Rounds, solver.Iterations, started);
        return new CompactSolution(plan, u, v, coarsePivots + solver.Iterations, optimal);
    }

    /// <summary>Solves a batch of problems laid out contiguously: problem k uses
    /// a[k*n .. (k+1)*n) and b[k*m .. (k+1)*m) with the shared cost (n = cost.Rows, m = cost.Cols).
    /// Problems run in parallel; each result equals that of <see cref="Solve"/> on its
    /// problem, whatever the number of threads.</summary>
    /// <exception cref="ArgumentException">As <see cref="Solve"/>, the message naming the problem.</exception>
    public static EmdBatchResult SolveBatch(ReadOnlyMemory<double> a, ReadOnlyMemory<double> b, GroundCost cost, EmdOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int n = cost.Rows, m = cost.Cols;
        if (a.Length % n != 0)
            throw new ArgumentException($"a has length {a.Length}, not a multiple of the cost's {n} rows.", nameof(a));
        int batch = a.Length / n;
        ThrowHelper.ThrowIfLengthMismatch(b.Length, batch * m, nameof(b), $"{batch} problems of {m} target bins");
        return SolveBatch(batch, k => (a.Slice(k * n, n), b.Slice(k * m, m), cost), options);
    }

    /// <summary>Solves a batch in which problem k has its own masses and cost, as returned by
    /// <paramref name="problem"/>(k) (called once per problem, from any thread).</summary>
    public static EmdBatchResult SolveBatch(int batch, Func<int, (ReadOnlyMemory<double> A, ReadOnlyMemory<double> B, GroundCost Cost)> problem, EmdOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        options ??= EmdOptions.Default;
        options.Validate();
        var results = new EmdResult[batch];
        BatchErrors.For(batch, options.MaxDegreeOfParallelism, k =>
        {
            (ReadOnlyMemory<double> ak, ReadOnlyMemory<double> bk, GroundCost ck) = problem(k);
            results[k] = Solve(ak.Span, bk.Span, ck ?? throw new ArgumentNullException(nameof(problem), $"problem({k}) returned no cost."), options);
        });
        return new EmdBatchResult(results);
    }

    /// <summary>Solves the coarsened problem (recursively multiscale) and returns what it
    /// tells the fine level: for each coarse source, the compact fine columns whose parents its
    /// coarse plan reaches, and each fine column's parent potential. Also the coarse pivots.</summary>
    private static (CoarseStart, int) CoarseSolve(Coarsening coarse, int[] rows, int[] cols,
        double[] supply, double[] demand, int maxIterations, PathSizes sizes, int depth)
    {
        var coarseA = new double[coarse.Cost.Rows];
        var coarseB = new double[coarse.Cost.Cols];
        for (int k = 0; k < rows.Length; k++) coarseA[coarse.RowParent[rows[k]]] += supply[k];
        for (int k = 0; k < cols.Length; k++) coarseB[coarse.ColParent[cols[k]]] += demand[k];
        int[] coarseRows = NonzeroIndices(coarseA), coarseCols = NonzeroIndices(coarseB);
        CompactSolution solution = SolveCompact([.. coarseRows.Select(i => coarseA[i])], [.. coarseCols.Select(j => coarseB[j])],
            coarseRows, coarseCols, coarse.Cost, maxIterations, sizes, depth);

        // Compact coarse index of each coarse bin, and compact fine columns grouped by
        // compact coarse column (CSR).
        var coarseRowIndex = new int[coarse.Cost.Rows];
        for (int r = 0; r < coarseRows.Length; r++) coarseRowIndex[coarseRows[r]] = r;
        var coarseColIndex = new int[coarse.Cost.Cols];
        for (int c = 0; c < coarseCols.Length; c++) coarseColIndex[coarseCols[c]] = c;
        var childStart = new int[coarseCols.Length + 1];
        foreach (int j in cols) childStart[coarseColIndex[coarse.ColParent[j]] + 1]++;
        for (int p = 0; p < coarseCols.Length; p++) childStart[p + 1] += childStart[p];
        var children = new int[cols.Length];
        int[] fill = childStart[..^1].ToArray();
        for (int k = 0; k < cols.Length; k++) children[fill[coarseColIndex[coarse.ColParent[cols[k]]]]++] = k;

        // The coarse plan's entries are sorted by row: walk them once per coarse source.
        var groupStart = new int[coarseRows.Length + 1];
        int total = 0;
        foreach ((_, int target, _, _) in solution.Plan) total += childStart[target + 1] - childStart[target];
        var groupColumns = new int[total];
        int e = 0, filled = 0;
        for (int parent = 0; parent < coarseRows.Length; parent++)
        {
            groupStart[parent] = filled;
            for (; e < solution.Plan.Count && solution.Plan[e].Row == parent; e++)
            {
                int target = solution.Plan[e].Col;
                for (int c = childStart[target]; c < childStart[target + 1]; c++) groupColumns[filled++] = children[c];
            }
        }
        groupStart[coarseRows.Length] = filled;
        var rowGroup = new int[rows.Length];
        for (int k = 0; k < rows.Length; k++) rowGroup[k] = coarseRowIndex[coarse.RowParent[rows[k]]];
        var lifted = new double[cols.Length];
        for (int k = 0; k < cols.Length; k++) lifted[k] = solution.V[coarseColIndex[coarse.ColParent[cols[k]]]];
        return (new CoarseStart(rowGroup, groupStart, groupColumns, lifted), solution.Pivots);
    }

    private static int[] NonzeroIndices(ReadOnlySpan<double> masses)
    {
        int count = 0;
        foreach (double w in masses) if (w > 0) count++;
        var indices = new int[count];
        count = 0;
        for (int i = 0; i < masses.Length; i++) if (masses[i] > 0) indices[count++] = i;
        return indices;
    }

    /// <summary>Dual potentials over all bins. On the solved bins, u is replaced by its
    /// c-transform u_i = min_j C_ij - v_j: this keeps u_i + v_j = C_ij on the plan's support
    /// (the simplex left u_i &lt;= C_ij - v_j for every j, with equality there) and makes dual
    /// feasibility exact. Zero-mass rows get the same formula; zero-mass columns then get
    /// v_j = min_i C_ij - u_i over all rows. Their masses are zero, so the dual objective
    /// sum a u + sum b v still equals the cost.</summary>
    private static (double[] U, double[] V) CompleteDuals(GroundCost cost, int[] rows, int[] cols, double[] uCompact, double[] vCompact)
    {
        int n = cost.Rows, m = cost.Cols;
        var u = new double[n];
        var v = new double[m];
        for (int k = 0; k < cols.Length; k++) v[cols[k]] = vCompact[k];
        int[] zeroCols = Enumerable.Range(0, m).Except(cols).ToArray();
        var min = new double[zeroCols.Length];
        Array.Fill(min, double.PositiveInfinity);

        // Rows in blocks of at most DualBlockEntries costs, so that problems with many zero
        // bins (a sparse n x m far beyond memory) complete their duals in bounded memory.
        int width = Math.Max(1, Math.Max(cols.Length, zeroCols.Length));
        int blockRows = (int)Math.Clamp(DualBlockEntries / width, 1, n);
        var block = new double[(long)blockRows * width];
        for (int start = 0; start < n; start += blockRows)
        {
            int[] blockOfRows = Enumerable.Range(start, Math.Min(blockRows, n - start)).ToArray();
            // Every row, solved or not, against the solved columns.
            Span<double> solved = block.AsSpan(0, blockOfRows.Length * cols.Length);
            cost.FillSubmatrix(blockOfRows, cols, solved);
            for (int r = 0; r < blockOfRows.Length; r++) u[start + r] = MinReduced(solved.Slice(r * cols.Length, cols.Length), vCompact);
            if (zeroCols.Length == 0) continue;
            // The zero-mass columns against these rows.
            Span<double> zero = block.AsSpan(0, blockOfRows.Length * zeroCols.Length);
            cost.FillSubmatrix(blockOfRows, zeroCols, zero); // row-major: [i, k]
            for (int r = 0; r < blockOfRows.Length; r++)
            {
                ReadOnlySpan<double> row = zero.Slice(r * zeroCols.Length, zeroCols.Length);
                for (int k = 0; k < row.Length; k++) min[k] = Math.Min(min[k], row[k] - u[start + r]);
            }
        }
        for (int k = 0; k < zeroCols.Length; k++) v[zeroCols[k]] = min[k];
        return (u, v);
    }

    /// <summary>Costs held at once while the duals of zero bins are completed (8 MB).</summary>
    private const long DualBlockEntries = 1 << 20;

    /// <summary>Costs must be finite, and small enough that potentials, which are sums of up
    /// to n + m costs along tree paths, stay finite: squared distances of points beyond about
    /// 1e154 overflow double, and a cost near double.MaxValue overflows the first path sum.</summary>
    internal static void ThrowIfCostsOverflow(ReadOnlySpan<double> c, int[] rows, int[] cols, int firstRow = 0)
    {
        double limit = CostLimit(rows.Length, cols.Length);
        if (Elementwise.AllInRange(c, -limit, limit)) return; // a vector pass: every cost of a complete graph is checked before each solve
        for (int k = 0; k < c.Length; k++)
        {
            if (!(Math.Abs(c[k]) <= limit)) // NaN fails too
                throw CostOverflow(c[k], rows[firstRow + k / cols.Length], cols[k % cols.Length], rows.Length, cols.Length);
        }
    }

    /// <summary>Whether a cost's known bound (<see cref="GroundCost.KnownMaxCost"/>) already
    /// keeps every potential finite, so its values need no scan; null or too large: scan.</summary>
    internal static bool OverflowRuledOut(double? knownMaxCost, int rows, int cols) => knownMaxCost <= CostLimit(rows, cols);

    /// <summary>The largest |cost| whose sums along tree paths of rows + cols nodes stay finite.</summary>
    internal static double CostLimit(int rows, int cols) => double.MaxValue / (rows + cols);

    internal static ArgumentException CostOverflow(double c, int i, int j, int rows, int cols) =>
        new(double.IsFinite(c)
            ? $"cost[{i}, {j}] is {c:G4}; with {rows} x {cols} bins, costs must stay below {CostLimit(rows, cols):G4} so that the dual potentials (sums of costs) do not overflow. Scale the costs or points down."
            : $"cost[{i}, {j}] is {c}; every cost must be finite (squared distances of coordinates beyond about 1e154 overflow double: scale the points down).", "cost");

    private static double MinReduced(ReadOnlySpan<double> costRow, ReadOnlySpan<double> v)
    {
        double min = double.PositiveInfinity;
        for (int k = 0; k < costRow.Length; k++) min = Math.Min(min, costRow[k] - v[k]);
        return min;
    }
}
