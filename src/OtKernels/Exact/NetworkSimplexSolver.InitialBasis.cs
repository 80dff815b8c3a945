// The starting basis: a greedy allocation. With a coarse start, the candidate arcs (fine
// rows to the children of the coarse targets of their parent) are allocated first, in the
// order of their reduced cost under potentials lifted from the coarse solution; then every
// row with supply left ships, in turn, to the target with demand left of least C_ij - v_j
// over all columns, v those potentials ("row minimum" with v = 0 is the start without a
// coarse solution; on a sparse set the arcs it uses join the set). Every allocation exhausts its row or its column,
// so the positive allocations form a forest whose components are balanced (the classic
// basic-solution argument for the north-west-corner and least-cost rules). Each component
// hangs from the root by a zero-flow artificial arc pointing up, so every zero-flow tree
// arc points towards the root: the tree is strongly feasible (Cunningham 1976), which the
// leaving-arc rule in Tree.cs preserves, and so the simplex cannot cycle.
namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    /// <summary>Alternations of the c-transform that turn the lifted coarse potentials into
    /// potentials of the fine candidate arcs (two cut the MNIST pivots by a quarter; more
    /// changed nothing).</summary>
    private const int LiftRounds = 2;

    private int[] _adjStart = [], _adjArc = [], _stack = [], _basisArcs = [];
    private double[] _basisFlow = [];
    private double[] _candidateKeys = [], _u = [], _v = [], _openPotential = [];
    private int[] _candidateArcs = [], _sortScratchArcs = [];
    private ulong[] _sortBits = [], _sortScratchBits = [];
    private readonly List<(int Row, int Col, double Cost)> _extraArcs = [];
    private int[] _extraIds = [];

    private void BuildInitialBasis(CoarseStart? start, CompactRows? rows)
    {
        int basisCount = AllocateGreedily(start, rows);
        LinkForestToRoot(basisCount);
        ComputePotentials();
    }

    /// <summary>The arcs of start's candidates: on the complete graph arc i m + j, on a
    /// sparse set (loaded from the same candidates) every arc.</summary>
    private int CandidateArc(int row, int k, int column) => _complete ? _rowStart[row] + column : _rowStart[row] + k;

    private int AllocateGreedily(CoarseStart? start, CompactRows? rows)
    {
        Grow(ref _basisArcs, _nodeCount);
        Grow(ref _basisFlow, _nodeCount);
        Grow(ref _openPotential, _m);
        Span<double> supplyLeft = _supply.AsSpan(0, _n);  // consumed here; not needed after
        Span<double> demandLeft = _demand.AsSpan(0, _m);
        // The row-minimum step picks argmin_j C_ij - v_j over the columns with demand left
        // (v the lifted potentials, or 0 without a coarse start); a closed column's entry is
        // -infinity, which makes its key +infinity, so the pick is one vector scan (RowArgMin).
        Span<double> openPotential = _openPotential.AsSpan(0, _m);
        int openCount = _m, count = 0;
        if (start is not null)
        {
            int candidates = OrderCandidates(start);
            _v.AsSpan(0, _m).CopyTo(openPotential);
            foreach (int arc in _candidateArcs.AsSpan(0, candidates))
            {
                int i = _arcSource[arc], j = _arcTarget[arc];
                if (supplyLeft[i] > 0 && demandLeft[j] > 0) Allocate(i, j, arc, supplyLeft, demandLeft, openPotential, ref openCount, ref count);
            }
        }
        else
        {
            openPotential.Clear();
        }

        _extraArcs.Clear();
        for (int i = 0; i < _n && openCount > 0; i++)
        {
            if (!(supplyLeft[i] > 0)) continue;
            ReadOnlySpan<double> row = RowCosts(i, rows);
            while (supplyLeft[i] > 0 && openCount > 0)
            {
                int best = RowArgMin(row, 0, openPotential).Index;
                Allocate(i, best, ArcOrExtra(i, best, row[best]), supplyLeft, demandLeft, openPotential, ref openCount, ref count);
            }
            // Rounding dust (sum supply and sum demand agree only to the last bits) is
            // dropped here; it is below 1e-15 of the total mass.
        }
        if (_extraArcs.Count > 0)
        {
            Grow(ref _extraIds, _extraArcs.Count);
            AddArcs(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_extraArcs), treeBuilt: false, _extraIds);
            for (int k = 0; k < count; k++)
                _basisArcs[k] = _basisArcs[k] < 0 ? _extraIds[-_basisArcs[k] - 1] : Renumbered(_basisArcs[k]);
        }
        return count;
    }

    /// <summary>Row i of the cost against every column: a slice of the complete graph's
    /// costs, or read into a buffer for a sparse set.</summary>
    private ReadOnlySpan<double> RowCosts(int i, CompactRows? rows)
    {
        if (_complete) return _cost.AsSpan(_rowStart[i], _m);
        Grow(ref _rowCosts, _m);
        Span<double> row = _rowCosts.AsSpan(0, _m);
        rows!.Fill(i, row);
        return row;
    }

    /// <summary>The number of arc (i, j), or for an arc a sparse set lacks, -(k + 1) with k its
    /// place in the list of arcs to add.</summary>
    private int ArcOrExtra(int i, int j, double cost)
    {
        if (_complete) return _rowStart[i] + j;
        for (int e = _rowStart[i]; e < _rowStart[i + 1]; e++) if (_arcTarget[e] == j) return e;
        _extraArcs.Add((i, j, cost));
        return -_extraArcs.Count;
    }

    /// <summary>Lists the candidate arcs in _candidateArcs by increasing reduced cost
    /// c_ij - u_i - v_j, with v lifted from the coarse targets and u, v refined by
    /// alternating c-transforms over the candidates. Returns their number.</summary>
    private int OrderCandidates(CoarseStart start)
    {
        int candidates = 0;
        for (int i = 0; i < _n; i++) candidates += start.Candidates(i).Length;
        Grow(ref _candidateKeys, candidates); Grow(ref _candidateArcs, candidates);
        Grow(ref _u, _n); Grow(ref _v, _m);
        Span<double> u = _u.AsSpan(0, _n), v = _v.AsSpan(0, _m);
        start.ColumnPotential.AsSpan(0, _m).CopyTo(v);
        for (int round = 0; ; round++)
        {
            for (int i = 0; i < _n; i++)
            {
                double min = double.PositiveInfinity;
                ReadOnlySpan<int> columns = start.Candidates(i);
                for (int k = 0; k < columns.Length; k++) min = Math.Min(min, _cost[CandidateArc(i, k, columns[k])] - v[columns[k]]);
                u[i] = min;
            }
            if (round == LiftRounds - 1) break;
            for (int i = 0; i < _n; i++)
            {
                ReadOnlySpan<int> columns = start.Candidates(i);
                for (int k = 0; k < columns.Length; k++) v[columns[k]] = double.PositiveInfinity;
            }
            for (int i = 0; i < _n; i++)
            {
                ReadOnlySpan<int> columns = start.Candidates(i);
                for (int k = 0; k < columns.Length; k++) v[columns[k]] = Math.Min(v[columns[k]], _cost[CandidateArc(i, k, columns[k])] - u[i]);
            }
        }
        Span<double> keys = _candidateKeys.AsSpan(0, candidates);
        Span<int> arcs = _candidateArcs.AsSpan(0, candidates);
        int c = 0;
        for (int i = 0; i < _n; i++)
        {
            ReadOnlySpan<int> columns = start.Candidates(i);
            for (int k = 0; k < columns.Length; k++)
            {
                int arc = CandidateArc(i, k, columns[k]);
                arcs[c] = arc;
                keys[c++] = _cost[arc] - u[i] - v[columns[k]];
            }
        }
        Grow(ref _sortBits, candidates); Grow(ref _sortScratchBits, candidates); Grow(ref _sortScratchArcs, candidates);
        RadixSort.SortByKey(keys, arcs, _sortBits.AsSpan(0, candidates), _sortScratchBits.AsSpan(0, candidates), _sortScratchArcs.AsSpan(0, candidates));
        return candidates;
    }

    /// <summary>Ships min(supply left, demand left) on arc (i, j): this exhausts row i or
    /// column j (exactly: x equals one of the two), which is what makes the start a forest.</summary>
    private void Allocate(int i, int j, int arc, Span<double> supplyLeft, Span<double> demandLeft, Span<double> openPotential, ref int openCount, ref int count)
    {
        double x = Math.Min(supplyLeft[i], demandLeft[j]);
        _basisArcs[count] = arc;
        _basisFlow[count++] = x;
        supplyLeft[i] -= x;
        demandLeft[j] -= x;
        if (demandLeft[j] <= 0) { openPotential[j] = double.NegativeInfinity; openCount--; }
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
            start[_arcSource[arc] + 1]++;
            start[_n + _arcTarget[arc] + 1]++;
        }
        for (int u = 0; u < nodes; u++) start[u + 1] += start[u];
        // Fill adjacency (entries are basis indices k); _thread doubles as a fill cursor.
        Span<int> cursor = _thread.AsSpan(0, nodes);
        start[..nodes].CopyTo(cursor);
        for (int k = 0; k < basisCount; k++)
        {
            int arc = _basisArcs[k];
            _adjArc[cursor[_arcSource[arc]]++] = k;
            _adjArc[cursor[_n + _arcTarget[arc]]++] = k;
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
            _pred[k] = _arcCount + k;
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
                    int s = _arcSource[arc], t = _n + _arcTarget[arc];
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
