// The optimality check of the sparse path: once no candidate arc prices in, the potentials
// are optimal for the problem on the candidates; they are optimal for the complete problem
// exactly when no arc at all has a significantly negative reduced cost c_ij + pi_i - pi_j
// (the test the pricing uses). The rows that may hold one are read against every column
// (vectorised), and the most negative arcs of each violating row join the set; the simplex
// then goes on from the current basis, which stays feasible (Schmitzer 2016, Algorithm 1's
// check and refinement). Which rows: all of them, unless the cost computes the c-transform
// min_j c_ij - pi_j of every row at once (a grid, in O(grid)); then only the rows whose
// minimum undercuts -pi_i by more than the tolerance at the minimising arc's scale, so a row
// is skipped only if no arc of it is below -1e-11 (|c| + |pi_i| + |pi_j|) of that arc, or
// the violation is smaller than 1e-11 of the row's potentials (far below the 1e-12
// relative accuracy of the value).
using System.Runtime.Intrinsics;

namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    /// <summary>A row's most negative violating arcs that one check adds: enough that a few
    /// checks suffice, few enough that the pricing stays cheap.</summary>
    private const int MaxArcsAddedPerRow = 8;

    private readonly List<(int Row, int Col, double Cost)> _violated = [];
    private double[] _rowMinima = [];
    private readonly List<(double ReducedCost, int Col, double Cost)> _rowViolations = [];

    /// <summary>Adds the violating arcs of every row; returns false when there were none
    /// (the basis is then optimal on the complete graph).</summary>
    private bool AddViolatedArcs(CompactRows rows)
    {
        _violated.Clear();
        Grow(ref _rowCosts, _m);
        Grow(ref _rowMinima, _n);
        Span<double> costs = _rowCosts.AsSpan(0, _m), minima = _rowMinima.AsSpan(0, _n);
        ReadOnlySpan<double> piT = _pi.AsSpan(_n, _m);
        bool transformed = rows.TryRowMinima(piT, minima);
        for (int i = 0; i < _n; i++)
        {
            if (transformed && !(minima[i] + _pi[i] < -RelativeTolerance * (Math.Abs(minima[i]) + Math.Abs(_pi[i])))) continue;
            rows.Fill(i, costs);
            CollectViolations(costs, _pi[i], piT);
            if (_rowViolations.Count == 0) continue;
            if (_rowViolations.Count > MaxArcsAddedPerRow) _rowViolations.Sort((x, y) => x.ReducedCost.CompareTo(y.ReducedCost));
            for (int k = 0; k < Math.Min(MaxArcsAddedPerRow, _rowViolations.Count); k++) _violated.Add((i, _rowViolations[k].Col, _rowViolations[k].Cost));
            ThrowIfAlreadyInTheSet(i);
        }
        if (_violated.Count == 0) return false;
        AddArcs(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_violated), treeBuilt: true);
        return true;
    }

    /// <summary>The pricing tests every arc of the set as the check does, so an arc the check
    /// finds violated is new; were it not, each check would add it again and the solve would
    /// never end. This turns such a bug into an error.</summary>
    private void ThrowIfAlreadyInTheSet(int row)
    {
        int added = Math.Min(MaxArcsAddedPerRow, _rowViolations.Count);
        for (int e = _rowStart[row]; e < _rowStart[row + 1]; e++)
            for (int k = 0; k < added; k++)
                if (_arcTarget[e] == _rowViolations[k].Col)
                    throw new InvalidOperationException($"Network simplex: the check found arc ({row}, {_arcTarget[e]}) of the sparse set violated after pricing found none (internal error).");
    }

    /// <summary>Lists in _rowViolations the columns j with c_j + piS - piT_j significantly
    /// negative; four at a time, the rare hits confirmed by the scalar test.</summary>
    private void CollectViolations(ReadOnlySpan<double> c, double piS, ReadOnlySpan<double> piT)
    {
        _rowViolations.Clear();
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vPiS = Vector256.Create(piS);
            var absPiS = Vector256.Create(Math.Abs(piS));
            var tolerance = Vector256.Create(-RelativeTolerance);
            for (; j <= c.Length - Vector256<double>.Count; j += Vector256<double>.Count)
            {
                Vector256<double> cj = Vector256.Create<double>(c[j..]), tj = Vector256.Create<double>(piT[j..]);
                Vector256<double> reduced = cj + vPiS - tj;
                Vector256<double> limit = tolerance * (Vector256.Abs(cj) + absPiS + Vector256.Abs(tj));
                if (Vector256.LessThanAny(reduced, limit))
                    for (int k = j; k < j + Vector256<double>.Count; k++) Collect(c[k], piS, piT[k], k);
            }
        }
        for (; j < c.Length; j++) Collect(c[j], piS, piT[j], j);
    }

    private void Collect(double cost, double piS, double piT, int column)
    {
        double reduced = cost + piS - piT;
        if (IsSignificant(reduced, cost, piS, piT)) _rowViolations.Add((reduced, column, cost));
    }
}
