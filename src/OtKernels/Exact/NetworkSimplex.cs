// Exact optimal transport between two discrete measures by the primal network simplex:
//     W = min_P <P, C>  s.t.  P 1 = a,  P^T 1 = b,  P >= 0,
// with the plan and dual potentials that certify it. This file validates the input,
// removes the zero-mass bins (they carry no flow), runs NetworkSimplexSolver on what is
// left and restores the zero bins in the outputs, their potentials completed by the
// c-transform so that the certificate u_i + v_j <= C_ij holds over every arc.
// What it is not: an entropic or approximate solver (see Entropic/), or a solver for
// unbalanced masses.
using OtKernels.Geometry;

namespace OtKernels.Exact;

/// <summary>Earth mover's distance by network simplex, in double precision.</summary>
public static class NetworkSimplex
{
    /// <summary>Above this many arcs (after zero bins are removed) the solver would need a
    /// cost buffer over 512 MB; such problems are rejected rather than thrashing memory.</summary>
    public const long MaxArcs = 1L << 26;

    /// <summary>Problems with at least this many arcs (after zero bins are removed) are
    /// warm-started from the solution of their coarsening, when the cost has one.</summary>
    private const int MultiscaleMinArcs = 4096;

    [ThreadStatic] private static NetworkSimplexSolver? t_solver;
    [ThreadStatic] private static double[]? t_compactCost;

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
    public static EmdResult Solve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, GroundCost cost, EmdOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cost);
        options ??= EmdOptions.Default;
        ThrowHelper.ThrowIfLengthMismatch(a.Length, cost.Rows, nameof(a), "the cost's row count");
        ThrowHelper.ThrowIfLengthMismatch(b.Length, cost.Cols, nameof(b), "the cost's column count");
        options.Validate();
        (double scaleA, double scaleB) = MassBalance.Scales(a, b, options);

        int[] rows = NonzeroIndices(a);
        int[] cols = NonzeroIndices(b);
        long arcs = (long)rows.Length * cols.Length;
        if (arcs > MaxArcs)
            throw new ArgumentException($"{rows.Length} x {cols.Length} nonzero bins exceed the {MaxArcs} arcs this solver holds.", nameof(cost));

        var supply = new double[rows.Length];
        var demand = new double[cols.Length];
        for (int k = 0; k < rows.Length; k++) supply[k] = a[rows[k]] * scaleA;
        for (int k = 0; k < cols.Length; k++) demand[k] = b[cols[k]] * scaleB;

        // The coarse solve recurses into Solve, so it must finish before this level takes
        // the thread's workspace.
        StartPreference? preference = null;
        int coarsePivots = 0;
        if (arcs >= MultiscaleMinArcs && cost.Coarsen() is { } coarse)
            (preference, coarsePivots) = CoarsePreference(coarse, rows, cols, supply, demand, options);

        double[] compactCost = t_compactCost is { } buffer && buffer.Length >= arcs ? buffer : (t_compactCost = new double[arcs]);
        Span<double> c = compactCost.AsSpan(0, (int)arcs);
        cost.FillSubmatrix(rows, cols, c);
        ThrowIfCostsOverflow(c, rows, cols);

        NetworkSimplexSolver solver = t_solver ??= new NetworkSimplexSolver();
        bool optimal = solver.Solve(supply, demand, c, Math.Max(0, options.MaxIterations - coarsePivots), preference);

        var entries = new List<(int Row, int Col, double Mass)>(rows.Length + cols.Length);
        solver.CopyPlan(entries);
        var plan = new TransportPlan(new int[entries.Count], new int[entries.Count], new double[entries.Count]);
        double total = 0;
        for (int k = 0; k < entries.Count; k++)
        {
            (int r, int col, double mass) = entries[k];
            plan.Rows[k] = rows[r];
            plan.Cols[k] = cols[col];
            plan.Mass[k] = mass;
            total += mass * c[r * cols.Length + col];
        }

        var uCompact = new double[rows.Length];
        var vCompact = new double[cols.Length];
        solver.CopyPotentials(uCompact, vCompact);
        return new EmdResult(total, plan, () => CompleteDuals(cost, rows, cols, uCompact, vCompact),
            coarsePivots + solver.Iterations, optimal ? EmdStatus.Optimal : EmdStatus.MaxIterationsReached);
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

    /// <summary>Solves the coarsened problem (recursively multiscale) and lists, for each
    /// coarse source, the compact fine columns whose parents its coarse plan reaches. Returns
    /// the preference and the pivots the coarse levels took.</summary>
    private static (StartPreference, int) CoarsePreference(Coarsening coarse, int[] rows, int[] cols,
        double[] supply, double[] demand, EmdOptions options)
    {
        var coarseA = new double[coarse.Cost.Rows];
        var coarseB = new double[coarse.Cost.Cols];
        for (int k = 0; k < rows.Length; k++) coarseA[coarse.RowParent[rows[k]]] += supply[k];
        for (int k = 0; k < cols.Length; k++) coarseB[coarse.ColParent[cols[k]]] += demand[k];
        EmdResult coarseResult = Solve(coarseA, coarseB, coarse.Cost, options with { Normalize = false });

        // Compact fine columns grouped by parent (CSR over coarse columns).
        var childStart = new int[coarse.Cost.Cols + 1];
        foreach (int j in cols) childStart[coarse.ColParent[j] + 1]++;
        for (int p = 0; p < coarse.Cost.Cols; p++) childStart[p + 1] += childStart[p];
        var children = new int[cols.Length];
        int[] fill = childStart[..^1].ToArray();
        for (int k = 0; k < cols.Length; k++) children[fill[coarse.ColParent[cols[k]]]++] = k;

        // Coarse plan entries are sorted by row: walk them once per coarse source.
        TransportPlan plan = coarseResult.Plan;
        var groupStart = new int[coarse.Cost.Rows + 1];
        var groupColumns = new List<int>();
        int e = 0;
        for (int parent = 0; parent < coarse.Cost.Rows; parent++)
        {
            groupStart[parent] = groupColumns.Count;
            for (; e < plan.Count && plan.Rows[e] == parent; e++)
            {
                int target = plan.Cols[e];
                for (int c = childStart[target]; c < childStart[target + 1]; c++) groupColumns.Add(children[c]);
            }
        }
        groupStart[coarse.Cost.Rows] = groupColumns.Count;
        var rowGroup = new int[rows.Length];
        for (int k = 0; k < rows.Length; k++) rowGroup[k] = coarse.RowParent[rows[k]];
        return (new StartPreference(rowGroup, groupStart, groupColumns.ToArray()), coarseResult.Iterations);
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
    private static void ThrowIfCostsOverflow(ReadOnlySpan<double> c, int[] rows, int[] cols)
    {
        double limit = double.MaxValue / (rows.Length + cols.Length);
        for (int k = 0; k < c.Length; k++)
        {
            if (double.IsFinite(c[k]) && Math.Abs(c[k]) <= limit) continue;
            int i = rows[k / cols.Length], j = cols[k % cols.Length];
            throw new ArgumentException(double.IsFinite(c[k])
                ? $"cost[{i}, {j}] is {c[k]:G4}; with {rows.Length} x {cols.Length} bins, costs must stay below {limit:G4} so that the dual potentials (sums of costs) do not overflow. Scale the costs or points down."
                : $"cost[{i}, {j}] is {c[k]}; every cost must be finite (squared distances of coordinates beyond about 1e154 overflow double: scale the points down).", "cost");
        }
    }

    private static double MinReduced(ReadOnlySpan<double> costRow, ReadOnlySpan<double> v)
    {
        double min = double.PositiveInfinity;
        for (int k = 0; k < costRow.Length; k++) min = Math.Min(min, costRow[k] - v[k]);
        return min;
    }
}
