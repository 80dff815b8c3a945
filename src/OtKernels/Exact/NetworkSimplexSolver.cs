// The primal network simplex for the transportation problem
//     min <P, C>  s.t.  P 1 = a,  P^T 1 = b,  P >= 0,
// on a bipartite graph of the nonzero bins: supply nodes 0..n-1, demand nodes n..n+m-1 and
// an artificial root n+m. The real arcs are held by source, CSR (Arcs.cs): all n m of them
// (the complete graph, priced a whole row at a time), or a sparse candidate set that grows
// until no arc outside it could lower the cost (SolveSparse: Schmitzer 2016's scheme, the
// candidates from a coarse solution, optimality checked over every arc). Artificial arc
// arcCount + k goes from node k up to the root, carries no flow and costs 0.
//
// The spanning-tree representation (parent, pred, thread, rev_thread, succ_num,
// last_succ) and its update follow LEMON's NetworkSimplex (Kovacs 2015, "Minimum-cost flow
// algorithms: an experimental evaluation"), which POT also uses. What differs:
//  - the start is a feasible basis from a greedy allocation (InitialBasis.cs), not LEMON's
//    big-M artificial flows, so the plan is feasible after every pivot and a pivot limit
//    still returns a feasible plan;
//  - arcs are uncapacitated, and the flow of a tree arc is stored on the node below it;
//  - a nontree arc enters only if its reduced cost is negative beyond a relative
//    tolerance (POT's guard against pivoting on rounding noise), so tree arcs, whose
//    reduced cost is zero up to rounding, need no state flag.
// This class is a reusable workspace: one per thread, grown on demand, never shared.
using OtKernels.Geometry;

namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    private const sbyte Up = 1;    // pred arc points from the node to its parent
    private const sbyte Down = -1; // pred arc points from the parent to the node

    private int _n, _m, _nodeCount, _root;

    // Spanning tree, indexed by node (0..root).
    private int[] _parent = [], _pred = [], _thread = [], _revThread = [], _succNum = [], _lastSucc = [];
    private sbyte[] _predDir = [];
    private double[] _predFlow = [], _pi = [];

    private double[] _supply = [], _demand = [];

    /// <summary>Pivots of the last solve, over all its rounds.</summary>
    public int Iterations { get; private set; }

    /// <summary>Checks of every arc the last sparse solve made (the last one found none violated).</summary>
    public int Rounds { get; private set; }

    /// <summary>The buffer of the complete graph's costs for an n x m problem, row-major:
    /// fill it, then call <see cref="SolveComplete"/> (the solver reads it in place).</summary>
    public Span<double> CompleteCosts(int n, int m)
    {
        Grow(ref _cost, n * m);
        return _cost.AsSpan(0, n * m);
    }

    /// <summary>Solves the compact problem on the complete graph whose costs were written
    /// into <see cref="CompleteCosts"/> (all masses positive, sum supply = sum demand).
    /// Returns true when optimal, false when the pivot limit stopped it.</summary>
    public bool SolveComplete(ReadOnlySpan<double> supply, ReadOnlySpan<double> demand, int maxIterations, CoarseStart? start = null)
    {
        LoadNodes(supply, demand);
        LoadComplete();
        BuildInitialBasis(start, null);
        return Pivot(maxIterations);
    }

    /// <summary>Solves the compact problem on the candidate arcs of start, adding the arcs a
    /// check of every arc finds with a negative reduced cost, until there are none: the
    /// result is then optimal on the complete graph. costs reads the rows (source
    /// bins rowBins[r]) against every compact column.</summary>
    public bool SolveSparse(ReadOnlySpan<double> supply, ReadOnlySpan<double> demand, CostRows costs, int[] rowBins, int maxIterations,
        CoarseStart start)
    {
        LoadNodes(supply, demand);
        var rows = new CompactRows(costs, rowBins);
        LoadCandidates(start, rows);
        BuildInitialBasis(start, rows);
        while (true)
        {
            if (!Pivot(maxIterations)) return false;
            Rounds++;
            if (!AddViolatedArcs(rows)) return true;
        }
    }

    private void LoadNodes(ReadOnlySpan<double> supply, ReadOnlySpan<double> demand)
    {
        _n = supply.Length;
        _m = demand.Length;
        _nodeCount = _n + _m;
        _root = _nodeCount;
        int nodes = _nodeCount + 1;
        Grow(ref _parent, nodes); Grow(ref _pred, nodes); Grow(ref _thread, nodes); Grow(ref _revThread, nodes);
        Grow(ref _succNum, nodes); Grow(ref _lastSucc, nodes); Grow(ref _predDir, nodes);
        Grow(ref _predFlow, nodes); Grow(ref _pi, nodes);
        Grow(ref _supply, _n); Grow(ref _demand, _m);
        supply.CopyTo(_supply);
        demand.CopyTo(_demand);
        Iterations = 0;
        Rounds = 0;
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length) array = new T[length];
    }

    private int Source(int arc) => arc < _arcCount ? _arcSource[arc] : arc - _arcCount;

    private int Target(int arc) => arc < _arcCount ? _n + _arcTarget[arc] : _root;

    private double ArcCost(int arc) => arc < _arcCount ? _cost[arc] : 0.0;

    /// <summary>The positive-flow real arcs of the basis with their costs, sorted by row, then column.</summary>
    public void CopyPlan(List<(int Row, int Col, double Mass, double Cost)> plan)
    {
        plan.Clear();
        Grow(ref _planKeys, _nodeCount);
        for (int u = 0; u < _nodeCount; u++)
        {
            int arc = _pred[u];
            if (!(arc < _arcCount && _predFlow[u] > 0)) continue;
            _planKeys[plan.Count] = (long)_arcSource[arc] * _m + _arcTarget[arc]; // row-major order, compared as integers
            plan.Add((_arcSource[arc], _arcTarget[arc], _predFlow[u], _cost[arc]));
        }
        _planKeys.AsSpan(0, plan.Count).Sort(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(plan));
    }

    private long[] _planKeys = [];

    /// <summary>Dual potentials u (sources), v (targets) with u_i + v_j = C_ij on tree arcs.
    /// In node terms the reduced cost of arc s->t is c + pi_s - pi_t, so u = -pi, v = pi.</summary>
    public void CopyPotentials(Span<double> u, Span<double> v)
    {
        for (int i = 0; i < _n; i++) u[i] = -_pi[i];
        for (int j = 0; j < _m; j++) v[j] = _pi[_n + j];
    }

    /// <summary>The rows of the compact problem against its columns: source r is bin rowBins[r].</summary>
    private sealed class CompactRows(CostRows costs, int[] rowBins)
    {
        private readonly double _limit = NetworkSimplex.CostLimit(rowBins.Length, costs.Cols.Length);
        private readonly bool _bounded = NetworkSimplex.OverflowRuledOut(costs.KnownMaxCost, rowBins.Length, costs.Cols.Length);

        /// <summary>Reads row r, and refuses costs whose sums along tree paths could overflow.</summary>
        public void Fill(int row, Span<double> destination)
        {
            costs.Fill(rowBins[row], destination);
            if (!_bounded) NetworkSimplex.ThrowIfCostsOverflow(destination, rowBins, costs.Cols, row);
        }

        /// <summary>Reads the given compact columns of row r, checked as Fill checks.</summary>
        public void Fill(int row, ReadOnlySpan<int> columns, Span<double> destination)
        {
            costs.Fill(rowBins[row], columns, destination);
            if (_bounded) return;
            double limit = _limit;
            for (int k = 0; k < columns.Length; k++)
            {
                if (!(Math.Abs(destination[k]) <= limit)) // NaN fails too
                    throw NetworkSimplex.CostOverflow(destination[k], rowBins[row], costs.Cols[columns[k]], rowBins.Length, costs.Cols.Length);
            }
        }

        /// <summary>minima[r] = min_j C(r, j) - potential[j] for every compact row, if the cost can.</summary>
        public bool TryRowMinima(ReadOnlySpan<double> potential, Span<double> minima) => costs.TryRowMinima(potential, rowBins, minima);
    }
}

