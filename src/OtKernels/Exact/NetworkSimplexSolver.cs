// The primal network simplex for the transportation problem
//     min <P, C>  s.t.  P 1 = a,  P^T 1 = b,  P >= 0,
// on the complete bipartite graph of the nonzero bins: supply nodes 0..n-1, demand nodes
// n..n+m-1 and an artificial root n+m. Real arc e = i*m + j goes from i to n+j;
// artificial arc n*m + k goes from node k up to the root, carries no flow and costs 0.
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
namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    private const sbyte Up = 1;    // pred arc points from the node to its parent
    private const sbyte Down = -1; // pred arc points from the parent to the node

    private int _n, _m, _nodeCount, _root, _realArcCount;
    private double[] _cost = [];   // compact n x m cost, row-major

    // Spanning tree, indexed by node (0..root).
    private int[] _parent = [], _pred = [], _thread = [], _revThread = [], _succNum = [], _lastSucc = [];
    private sbyte[] _predDir = [];
    private double[] _predFlow = [], _pi = [];

    private double[] _supply = [], _demand = [];

    public int Iterations { get; private set; }

    /// <summary>Solves the compact problem (all masses positive, sum supply = sum demand).
    /// Returns true when optimal, false when the pivot limit stopped it.</summary>
    public bool Solve(ReadOnlySpan<double> supply, ReadOnlySpan<double> demand, ReadOnlySpan<double> cost, int maxIterations,
        StartPreference? preference = null)
    {
        Load(supply, demand, cost);
        BuildInitialBasis(preference);
        return Pivot(maxIterations);
    }

    private void Load(ReadOnlySpan<double> supply, ReadOnlySpan<double> demand, ReadOnlySpan<double> cost)
    {
        _n = supply.Length;
        _m = demand.Length;
        _nodeCount = _n + _m;
        _root = _nodeCount;
        _realArcCount = _n * _m;
        Grow(ref _cost, _realArcCount);
        cost.CopyTo(_cost);
        int nodes = _nodeCount + 1;
        Grow(ref _parent, nodes); Grow(ref _pred, nodes); Grow(ref _thread, nodes); Grow(ref _revThread, nodes);
        Grow(ref _succNum, nodes); Grow(ref _lastSucc, nodes); Grow(ref _predDir, nodes);
        Grow(ref _predFlow, nodes); Grow(ref _pi, nodes);
        Grow(ref _supply, _n); Grow(ref _demand, _m);
        supply.CopyTo(_supply);
        demand.CopyTo(_demand);
        Iterations = 0;
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length) array = new T[length];
    }

    private int Source(int arc) => arc < _realArcCount ? arc / _m : arc - _realArcCount;

    private int Target(int arc) => arc < _realArcCount ? _n + arc % _m : _root;

    private double ArcCost(int arc) => arc < _realArcCount ? _cost[arc] : 0.0;

    /// <summary>The positive-flow real arcs of the basis, in arc order (row, then column).</summary>
    public void CopyPlan(List<(int Row, int Col, double Mass)> plan)
    {
        plan.Clear();
        for (int u = 0; u < _nodeCount; u++)
        {
            int arc = _pred[u];
            if (arc < _realArcCount && _predFlow[u] > 0) plan.Add((arc / _m, arc % _m, _predFlow[u]));
        }
        plan.Sort((x, y) => x.Row != y.Row ? x.Row.CompareTo(y.Row) : x.Col.CompareTo(y.Col));
    }

    /// <summary>Dual potentials u (sources), v (targets) with u_i + v_j = C_ij on tree arcs.
    /// In node terms the reduced cost of arc s->t is c + pi_s - pi_t, so u = -pi, v = pi.</summary>
    public void CopyPotentials(Span<double> u, Span<double> v)
    {
        for (int i = 0; i < _n; i++) u[i] = -_pi[i];
        for (int j = 0; j < _m; j++) v[j] = _pi[_n + j];
    }
}
