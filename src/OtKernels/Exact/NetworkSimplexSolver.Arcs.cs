// The real arcs, CSR over sources: the arcs out of source i are [rowStart[i], rowStart[i+1]),
// each with its target column and cost. The complete graph lists every column of every row
// in order (arc i m + j); a sparse set lists the candidates and grows by AddArcs, which keeps
// each row's arcs in place and appends the new ones after them, so that the tree's arcs keep
// their identity through a shift of their row.
using OtKernels.Geometry;

namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    private int _arcCount;

    /// <summary>The real arcs the last solve ended with.</summary>
    public int ArcCount => _arcCount;
    private bool _complete;
    private int[] _rowStart = [], _arcSource = [], _arcTarget = [];
    private double[] _cost = [];
    private int _completeN = -1, _completeM = -1; // the shape whose index arrays are filled

    // Double buffers for AddArcs, swapped with the live arrays.
    private int[] _nextRowStart = [], _nextSource = [], _nextTarget = [], _rowShift = [];
    private double[] _nextCost = [];

    /// <summary>A costs row, m long, for the rows a sparse set reads.</summary>
    private double[] _rowCosts = [];

    /// <summary>The complete graph over the costs already in _cost (CompleteCosts).</summary>
    private void LoadComplete()
    {
        _complete = true;
        _arcCount = _n * _m;
        if (_completeN == _n && _completeM == _m) return;
        Grow(ref _rowStart, _n + 1); Grow(ref _arcSource, _arcCount); Grow(ref _arcTarget, _arcCount);
        for (int i = 0; i <= _n; i++) _rowStart[i] = i * _m;
        Span<int> firstTargets = _arcTarget.AsSpan(0, _m);
        for (int j = 0; j < _m; j++) firstTargets[j] = j;
        for (int i = 0; i < _n; i++)
        {
            _arcSource.AsSpan(i * _m, _m).Fill(i);
            if (i > 0) firstTargets.CopyTo(_arcTarget.AsSpan(i * _m, _m));
        }
        (_completeN, _completeM) = (_n, _m);
    }

    /// <summary>The candidate arcs of start, their costs read row by row.</summary>
    private void LoadCandidates(CoarseStart start, CompactRows rows)
    {
        _complete = false;
        _completeN = _completeM = -1;
        int count = 0;
        for (int i = 0; i < _n; i++) count += start.Candidates(i).Length;
        _arcCount = count;
        Grow(ref _rowStart, _n + 1); Grow(ref _arcSource, count); Grow(ref _arcTarget, count); Grow(ref _cost, count);
        int e = 0;
        for (int i = 0; i < _n; i++)
        {
            _rowStart[i] = e;
            ReadOnlySpan<int> columns = start.Candidates(i);
            rows.Fill(i, columns, _cost.AsSpan(e, columns.Length));
            for (int k = 0; k < columns.Length; k++, e++)
            {
                _arcSource[e] = i;
                _arcTarget[e] = columns[k];
            }
        }
        _rowStart[_n] = e;
    }

    /// <summary>Appends the arcs (sorted by row) after their rows' arcs, writes their numbers
    /// into newIds when given, and renumbers the tree's arcs when it is built (real ones
    /// shift with their row, artificial ones with the count).</summary>
    private void AddArcs(ReadOnlySpan<(int Row, int Col, double Cost)> arcs, bool treeBuilt, Span<int> newIds = default)
    {
        int oldCount = _arcCount, newCount = oldCount + arcs.Length;
        Grow(ref _nextRowStart, _n + 1); Grow(ref _nextSource, newCount); Grow(ref _nextTarget, newCount); Grow(ref _nextCost, newCount);
        Grow(ref _rowShift, _n);
        int e = 0, a = 0;
        for (int i = 0; i < _n; i++)
        {
            _nextRowStart[i] = e;
            _rowShift[i] = e - _rowStart[i];
            int length = _rowStart[i + 1] - _rowStart[i];
            Array.Copy(_arcSource, _rowStart[i], _nextSource, e, length);
            Array.Copy(_arcTarget, _rowStart[i], _nextTarget, e, length);
            Array.Copy(_cost, _rowStart[i], _nextCost, e, length);
            e += length;
            for (; a < arcs.Length && arcs[a].Row == i; a++, e++)
            {
                if (!newIds.IsEmpty) newIds[a] = e;
                _nextSource[e] = i;
                _nextTarget[e] = arcs[a].Col;
                _nextCost[e] = arcs[a].Cost;
            }
        }
        if (a != arcs.Length) throw new InvalidOperationException("AddArcs: the arcs are not sorted by row (internal error).");
        _nextRowStart[_n] = e;
        (_rowStart, _nextRowStart) = (_nextRowStart, _rowStart);
        (_arcSource, _nextSource) = (_nextSource, _arcSource);
        (_arcTarget, _nextTarget) = (_nextTarget, _arcTarget);
        (_cost, _nextCost) = (_nextCost, _cost);
        _arcCount = newCount;
        _countBeforeAdd = oldCount;
        if (!treeBuilt) return;
        for (int u = 0; u < _nodeCount; u++) _pred[u] = Renumbered(_pred[u]);
    }

    private int _countBeforeAdd;

    /// <summary>The number after the last AddArcs of an arc numbered before it (the old
    /// sources are in _nextSource until the next AddArcs).</summary>
    private int Renumbered(int arc) =>
        arc < _countBeforeAdd ? arc + _rowShift[_nextSource[arc]] : arc - _countBeforeAdd + _arcCount;
}
