// One pivot of the network simplex once the entering arc is chosen: find the cycle's apex
// (join), the leaving arc, push the flow, re-hang the subtree and shift its potentials.
// The steps and their invariants are LEMON's (NetworkSimplex::findJoinNode,
// findLeavingArc, changeFlow, updateTreeStructure, updatePotential), specialised to
// uncapacitated arcs whose flow is stored on the node below them.
namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    private int _inArc, _join, _uIn, _vIn, _uOut;
    private double _delta;
    private int[] _dirtyRevs = [];

    private void FindJoinNode()
    {
        // An ancestor has more successors than any of its descendants.
        int u = Source(_inArc), v = Target(_inArc);
        while (u != v)
        {
            if (_succNum[u] < _succNum[v]) u = _parent[u];
            else v = _parent[v];
        }
        _join = u;
    }

    /// <summary>The entering arc (state "lower") adds flow from its source (first) to its
    /// target (second); around the cycle, the flow runs down the first path and up the second.
    /// An arc blocks only where its flow decreases (uncapacitated). Ties go to the last
    /// blocking arc met walking the cycle from the join in its direction ("&lt;" on the first
    /// path, "&lt;=" on the second), which keeps the tree strongly feasible.</summary>
    private void FindLeavingArc()
    {
        int first = Source(_inArc), second = Target(_inArc);
        double delta = double.PositiveInfinity;
        bool onFirst = true;
        for (int u = first; u != _join; u = _parent[u])
        {
            if (_predDir[u] == Up && _predFlow[u] < delta)
            {
                delta = _predFlow[u];
                _uOut = u;
            }
        }
        for (int u = second; u != _join; u = _parent[u])
        {
            if (_predDir[u] == Down && _predFlow[u] <= delta)
            {
                delta = _predFlow[u];
                _uOut = u;
                onFirst = false;
            }
        }
        // A transportation cycle alternates arc directions, and a cycle through the root
        // meets an artificial arc pointing up on its first path, so some arc always blocks.
        if (double.IsPositiveInfinity(delta))
            throw new InvalidOperationException("Network simplex: a cycle without a blocking arc (internal error).");
        _delta = delta;
        (_uIn, _vIn) = onFirst ? (first, second) : (second, first);
    }

    private void ChangeFlow()
    {
        double delta = _delta;
        if (delta <= 0) return;
        for (int u = Source(_inArc); u != _join; u = _parent[u]) _predFlow[u] -= _predDir[u] * delta;
        for (int u = Target(_inArc); u != _join; u = _parent[u]) _predFlow[u] += _predDir[u] * delta;
    }

    /// <summary>Removes pred[u_out], adds the entering arc, and re-hangs the stem from u_in
    /// to u_out below v_in, keeping thread/rev_thread (preorder), succ_num and last_succ.</summary>
    private void UpdateTreeStructure()
    {
        int uIn = _uIn, vIn = _vIn, uOut = _uOut, join = _join;
        int oldRevThread = _revThread[uOut];
        int oldSuccNum = _succNum[uOut];
        int oldLastSucc = _lastSucc[uOut];
        int vOut = _parent[uOut];
        sbyte inDir = uIn == Source(_inArc) ? Up : Down;

        if (uIn == uOut)
        {
            _parent[uIn] = vIn;
            _pred[uIn] = _inArc;
            _predDir[uIn] = inDir;
            _predFlow[uIn] = _delta;
            if (_thread[vIn] != uOut)
            {
                // Move the subtree of u_out in the thread to just after v_in.
                int after = _thread[oldLastSucc];
                _thread[oldRevThread] = after;
                _revThread[after] = oldRevThread;
                after = _thread[vIn];
                _thread[vIn] = uOut;
                _revThread[uOut] = vIn;
                _thread[oldLastSucc] = after;
                _revThread[after] = oldLastSucc;
            }
        }
        else
        {
            // When rev_thread[u_out] is v_in, join and v_out coincide.
            int threadContinue = oldRevThread == vIn ? _thread[oldLastSucc] : _thread[vIn];

            // Walk the stem from u_in up to u_out, reversing parents and splicing each stem
            // node's remaining subtree into the thread after the previous one.
            int stem = uIn, parStem = vIn, last = _lastSucc[uIn];
            int after = _thread[last];
            Grow(ref _dirtyRevs, _nodeCount + 1);
            int dirty = 0;
            _thread[vIn] = uIn;
            _dirtyRevs[dirty++] = vIn;
            while (stem != uOut)
            {
                int nextStem = _parent[stem];
                _thread[last] = nextStem;
                _dirtyRevs[dirty++] = last;

                int before = _revThread[stem];
                _thread[before] = after;
                _revThread[after] = before;

                _parent[stem] = parStem;
                parStem = stem;
                stem = nextStem;

                last = _lastSucc[stem] == _lastSucc[parStem] ? _revThread[parStem] : _lastSucc[stem];
                after = _thread[last];
            }
            _parent[uOut] = parStem;
            _thread[last] = threadContinue;
            _revThread[threadContinue] = last;
            _lastSucc[uOut] = last;

            if (oldRevThread != vIn)
            {
                _thread[oldRevThread] = after;
                _revThread[after] = oldRevThread;
            }
            for (int k = 0; k < dirty; k++)
            {
                int u = _dirtyRevs[k];
                _revThread[_thread[u]] = u;
            }

            // Along the reversed stem, each node takes the arc (and its flow) that joined it
            // to its former child, which is now its parent.
            int succ = 0, lastSucc = _lastSucc[uOut];
            for (int u = uOut, p = _parent[u]; u != uIn; u = p, p = _parent[u])
            {
                _pred[u] = _pred[p];
                _predDir[u] = (sbyte)-_predDir[p];
                _predFlow[u] = _predFlow[p];
                succ += _succNum[u] - _succNum[p];
                _succNum[u] = succ;
                _lastSucc[p] = lastSucc;
            }
            _pred[uIn] = _inArc;
            _predDir[uIn] = inDir;
            _predFlow[uIn] = _delta;
            _succNum[uIn] = oldSuccNum;
        }

        // last_succ from v_in towards the root.
        int upLimitOut = _lastSucc[join] == vIn ? join : -1;
        int lastSuccOut = _lastSucc[uOut];
        for (int u = vIn; u != -1 && _lastSucc[u] == vIn; u = _parent[u]) _lastSucc[u] = lastSuccOut;

        // last_succ from v_out towards the root.
        if (join != oldRevThread && vIn != oldRevThread)
        {
            for (int u = vOut; u != upLimitOut && _lastSucc[u] == oldLastSucc; u = _parent[u]) _lastSucc[u] = oldRevThread;
        }
        else if (lastSuccOut != oldLastSucc)
        {
            for (int u = vOut; u != upLimitOut && _lastSucc[u] == oldLastSucc; u = _parent[u]) _lastSucc[u] = lastSuccOut;
        }

        for (int u = vIn; u != join; u = _parent[u]) _succNum[u] += oldSuccNum;
        for (int u = vOut; u != join; u = _parent[u]) _succNum[u] -= oldSuccNum;
    }

    /// <summary>Shifts the potentials of the re-hung subtree so that the entering arc gets
    /// zero reduced cost; every other tree arc keeps its own.</summary>
    private void UpdatePotential()
    {
        double c = ArcCost(_inArc);
        double sigma = _pi[_vIn] - _pi[_uIn] - (_predDir[_uIn] == Up ? c : -c);
        int end = _thread[_lastSucc[_uIn]];
        for (int u = _uIn; u != end; u = _thread[u]) _pi[u] += sigma;
    }
}
