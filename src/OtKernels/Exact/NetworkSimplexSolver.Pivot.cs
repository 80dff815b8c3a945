// Entering-arc selection by block search (Grigoriadis 1986; LEMON's default and POT's):
// scan the arcs cyclically in blocks of about sqrt(arcs), and take the most negative reduced
// cost of the first block that has one. Here a block is a whole number of sources' rows,
// since the reduced costs of the arcs out of source i are one row, C[i, :] + pi_i - pi_{n+:},
// which RowArgMin scans four arcs at a time on the complete graph (a sparse row gathers the
// potentials of its targets).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OtKernels.Exact;

internal sealed partial class NetworkSimplexSolver
{
    private const double BlockSizeFactor = 1.0;   // LEMON's BLOCK_SIZE_FACTOR
    private const int MinBlockSize = 10;          // LEMON's MIN_BLOCK_SIZE

    /// <summary>An arc enters only if c + pi_s - pi_t &lt; -RelativeTolerance * (|c| + |pi_s| + |pi_t|):
    /// well above the rounding of the sum, far below any reduced cost that changes the
    /// optimum at 1e-9 relative. Tree arcs have reduced cost zero up to that rounding.</summary>
    private const double RelativeTolerance = 1e-11;

    /// <summary>Potentials are recomputed from scratch this often, so the rounding that
    /// accumulates in the incremental shifts stays far below the tolerance.</summary>
    private const int PotentialRefreshInterval = 256;

    private int _nextRow;

    private bool Pivot(int maxIterations)
    {
        _nextRow = 0;
        int blockSize = Math.Max((int)(BlockSizeFactor * Math.Sqrt(_arcCount)), MinBlockSize);
        int meanRow = Math.Max(1, _arcCount / _n);
        int blockRows = Math.Max(1, (blockSize + meanRow - 1) / meanRow);
        while (FindEnteringArc(blockRows))
        {
            if (Iterations == maxIterations) return false;
            FindJoinNode();
            FindLeavingArc();
            ChangeFlow();
            UpdateTreeStructure();
            UpdatePotential();
            if (++Iterations % PotentialRefreshInterval == 0) ComputePotentials();
        }
        return true;
    }

    private bool FindEnteringArc(int blockRows)
    {
        int n = _n, m = _m;
        ReadOnlySpan<double> piT = _pi.AsSpan(n, m);
        int i = _nextRow;
        double min = 0;
        int best = -1;
        for (int scanned = 1; scanned <= n; scanned++)
        {
            (double r, int arc) = _complete ? CompleteRowArgMin(i, piT) : SparseRowArgMin(i);
            if (r < min) { min = r; best = arc; }
            if (++i == n) i = 0;
            if (scanned % blockRows == 0 || scanned == n)
            {
                if (best >= 0)
                {
                    if (IsSignificant(best, min)) { _inArc = best; _nextRow = i; return true; }
                    min = 0;
                    best = -1;
                }
            }
        }
        return false;
    }

    private bool IsSignificant(int arc, double reducedCost) =>
        IsSignificant(reducedCost, _cost[arc], _pi[_arcSource[arc]], _pi[_n + _arcTarget[arc]]);

    private static bool IsSignificant(double reducedCost, double cost, double piS, double piT) =>
        reducedCost < -RelativeTolerance * (Math.Abs(cost) + Math.Abs(piS) + Math.Abs(piT));

    private (double Min, int Arc) CompleteRowArgMin(int i, ReadOnlySpan<double> piT)
    {
        (double r, int j) = RowArgMin(_cost.AsSpan(_rowStart[i], _m), _pi[i], piT);
        return (r, _rowStart[i] + j);
    }

    /// <summary>The most negative significant reduced cost of a sparse row (infinity and -1
    /// if none). Testing each arc, not only the row's minimum, makes the pricing's idea of
    /// optimal on the set the check's: an arc of small scale can be significant where the
    /// row's minimum, of larger scale, is not, and the check would add it again forever.</summary>
    private (double Min, int Arc) SparseRowArgMin(int i)
    {
        double min = double.PositiveInfinity, piS = _pi[i];
        int best = -1;
        for (int e = _rowStart[i]; e < _rowStart[i + 1]; e++)
        {
            double piT = _pi[_n + _arcTarget[e]];
            double r = _cost[e] + piS - piT;
            if (r < min && IsSignificant(r, _cost[e], piS, piT)) { min = r; best = e; }
        }
        return (min, best);
    }

    /// <summary>min_j (c_j + piS) - piT_j and its first index. The vector path keeps, per
    /// lane, the first minimum it met, and the reduction breaks ties by the lowest index, so
    /// it returns exactly what the scalar loop returns on any hardware.</summary>
    internal static (double Min, int Index) RowArgMin(ReadOnlySpan<double> c, double piS, ReadOnlySpan<double> piT)
    {
        double min = double.PositiveInfinity;
        int best = 0, j = 0;
        if (Vector256.IsHardwareAccelerated && c.Length >= 2 * Vector256<double>.Count)
        {
            ref double cRef = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(c);
            ref double tRef = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(piT);
            var vPiS = Vector256.Create(piS);
            var vMin = Vector256.Create(double.PositiveInfinity);
            var vIndex = Vector256<double>.Zero;
            var lane = Vector256.Create(0.0, 1, 2, 3);
            var step = Vector256.Create(4.0);
            int last = c.Length - Vector256<double>.Count;
            for (; j <= last; j += Vector256<double>.Count)
            {
                Vector256<double> r = Vector256.LoadUnsafe(ref cRef, (nuint)j) + vPiS - Vector256.LoadUnsafe(ref tRef, (nuint)j);
                Vector256<double> less = Vector256.LessThan(r, vMin);
                vMin = Vector256.ConditionalSelect(less, r, vMin);
                vIndex = Vector256.ConditionalSelect(less, lane, vIndex);
                lane += step;
            }
            for (int k = 0; k < Vector256<double>.Count; k++)
            {
                double value = vMin.GetElement(k);
                int index = (int)vIndex.GetElement(k);
                if (value < min || (value == min && index < best)) { min = value; best = index; }
            }
        }
        for (; j < c.Length; j++)
        {
            double r = c[j] + piS - piT[j];
            if (r < min) { min = r; best = j; }
        }
        return (min, best);
    }
}
