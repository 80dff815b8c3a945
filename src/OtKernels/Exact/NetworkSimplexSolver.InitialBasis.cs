// The starting basis: a greedy allocation. With a multiscale preference, the arcs that the
// coarse optimal plan supports (fine rows to the children of the coarse targets of their
// parent) are allocated first in least-cost order; then every row with supply left ships,
// in turn, to its cheapest target with demand left ("row minimum"), which alone is the
// start without a preference. Every allocation exhausts its row or its column,
// so the positive allocations form a forest whose components are balanced (the classic
// basic-solution argument for the north-west-corner and least-cost rules). Each component
// hangs from the root by a zero-flow artificial arc pointing up, so every zero-flow tree
// arc points towards the root: the tree is strongly feasible (Cunningham 1976), which the
// leaving-arc rule in Tree.cs preserves, and so the simplex cannot cycle.
namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    private int[] _adjStart = [], _adjArc = [], _stack = [], _basisArcs = [];
    private double[] _basisFlow = [];
    private bool[] _columnOpen = [];

    private void BuildInitialBasis(StartPreference? preference)
    {
        int basisCount = AllocateGreedily(preference);
        LinkForestToRoot(basisCount);
        ComputePotentials();
    }

    private double[] _candidateCosts = [];

    private int AllocateGreedily(StartPreference? preference)
    {
        Grow(ref _basisArcs, _nodeCount);
        Grow(ref _basisFlow, _nodeCount);
        Grow(ref _columnOpen, _m);
        Span<double> supplyLeft = _supply.AsSpan(0, _n);  // consumed here; not needed after
        Span<double> demandLeft = _demand.AsSpan(0, _m);
        Span<bool> open = _columnOpen.AsSpan(0, _m);
        open.Fill(true);
        int openCount = _m, count = 0;

        if (preference is not null)
        {
            // Least-cost order over the preferred arcs only (the coarse plan's support).
            int candidates = 0;
            for (int i = 0; i < _n; i++) candidates += preference.Candidates(i).Length;
            Grow(ref _candidateCosts, candidates);
            Span<double> keys = _candidateCosts.AsSpan(0, candidates);
            Grow(ref _adjArc, candidates);
            Span<int> arcs = _adjArc.AsSpan(0, candidates);
            int c = 0;
            for (int i = 0; i < _n; i++)
            {
                foreach (int j in preference.Candidates(i))
                {
                    arcs[c] = i * _m + j;
                    keys[c++] = _cost[i * _m + j];
                }
            }
            keys.Sort(arcs);
            foreach (int arc in arcs)
            {
                int i = arc / _m, j = arc % _m;
                if (supplyLeft[i] > 0 && demandLeft[j] > 0) Allocate(i, j, supplyLeft, demandLeft, open, ref openCount, ref count);
            }
        }

        for (int i = 0; i < _n && openCount > 0; i++)
        {
            ReadOnlySpan<double> row = _cost.AsSpan(i * _m, _m);
            while (supplyLeft[i] > 0 && openCount > 0)
            {
                int best = -1;
                double bestCost = double.PositiveInfinity;
                for (int j = 0; j < row.Length; j++)
                {
                    if (open[j] && row[j] < bestCost) { bestCost = row[j]; best = j; }
                }
                Allocate(i, best, supplyLeft, demandLeft, open, ref openCount, ref count);
            }
            // Rounding dust (sum supply and sum demand agree only to the last bits) is
            // dropped here; it is below 1e-15 of the total mass.
        }
        return count;
    }

    /// <summary>Ships min(supply left, demand left) on arc (i, j): this exhausts row i or
    /// column j (exactly: x equals one of the two), which is what makes the start a forest.</summary>
    private void Allocate(int i, int j, Span<double> supplyLeft, Span<double> demandLeft, Span<bool> open, ref int openCount, ref int count)
    {
        double x = Math.Min(supplyLeft[i], demandLeft[j]);
        _basisArcs[count] = i * _m + j;
        _basisFlow[count++] = x;
        supplyLeft[i] -= x;
        demandLeft[j] -= x;
        if (demandLeft[j] <= 0) { open[j] = false; openCount--; }
    }

    /// <summary>Builds parent/pred/thread/succ_num/last_succ for the forest of basis arcs,
    /// each component attached to the root by its first node's artificial arc.</summary>
    private void LinkForestToRoot(int basisCount)
    {
        int nodes = _nodeCount;
        Grow(ref _adjStart, nodes + 1);
        Grow(ref _adjArc, 2 * basisCount);
        Grow(ref _stack, nodes + 1);
        Span<int> start = _adjStart.AsSpan(0, nodes + 1);
        start.Clear();
        for (int k = 0; k < basisCount; k++)
        {
            int arc = _basisArcs[k];
            start[arc / _m + 1]++;
            start[_n + arc % _m + 1]++;
        }
        for (int u = 0; u < nodes; u++) start[u + 1] += start[u];
        // Fill adjacency (entries are basis indices k); _thread doubles as a fill cursor.
        Span<int> cursor = _thread.AsSpan(0, nodes);
        start[..nodes].CopyTo(cursor);
        for (int k = 0; k < basisCount; k++)
        {
            int arc = _basisArcs[k];
            _adjArc[cursor[arc / _m]++] = k;
            _adjArc[cursor[_n + arc % _m]++] = k;
        }

        Span<int> parent = _parent.AsSpan(0, nodes + 1);
        parent.Fill(-2); // unvisited
        parent[_root] = -1;
        _pred[_root] = -1;
        _predDir[_root] = 0;
        _predFlow[_root] = 0;

        // Preorder of the whole tree, root first, kept in _revThread temporarily.
        Span<int> order = _revThread.AsSpan(0, nodes + 1);
        int orderCount = 0;
        order[orderCount++] = _root;
        for (int k = 0; k < nodes; k++)
        {
            if (parent[k] != -2) continue;
            parent[k] = _root;
            _pred[k] = _realArcCount + k;
            _predDir[k] = Up;
            _predFlow[k] = 0;
            int top = 0;
            _stack[top++] = k;
            while (top > 0)
            {
                int u = _stack[--top];
                order[orderCount++] = u;
                for (int a = start[u]; a < start[u + 1]; a++)
                {
                    int basis = _adjArc[a];
                    int arc = _basisArcs[basis];
                    int s = arc / _m, t = _n + arc % _m;
                    int w = s == u ? t : s;
                    if (parent[w] != -2) continue; // the arc to u's own parent
                    parent[w] = u;
                    _pred[w] = arc;
                    _predDir[w] = w == s ? Up : Down;
                    _predFlow[w] = _basisFlow[basis];
                    _stack[top++] = w;
                }
            }
        }

        // thread = preorder successor (cyclic); succ_num and last_succ from the preorder.
        for (int p = 0; p < orderCount; p++)
        {
            int u = order[p];
            _thread[u] = order[(p + 1) % orderCount];
            _succNum[u] = 1;
        }
        for (int p = orderCount - 1; p > 0; p--)
        {
            int u = order[p];
            _succNum[parent[u]] += _succNum[u];
        }
        for (int p = 0; p < orderCount; p++)
        {
            int u = order[p];
            _lastSucc[u] = order[p + _succNum[u] - 1];
        }
        for (int u = 0; u <= nodes; u++) _revThread[_thread[u]] = u;
    }

    /// <summary>pi from scratch, walking the thread from the root: a tree arc has zero
    /// reduced cost, so pi_child = pi_parent - c (arc up) or + c (arc down).</summary>
    private void ComputePotentials()
    {
        _pi[_root] = 0;
        for (int u = _thread[_root]; u != _root; u = _thread[u])
        {
            double c = ArcCost(_pred[u]);
            _pi[u] = _predDir[u] == Up ? _pi[_parent[u]] - c : _pi[_parent[u]] + c;
        }
    }
}
