// Entering-arc selection by block search (Grigoriadis 1986; LEMON's default and POT's):
// scan the arcs cyclically in blocks of about sqrt(n*m), and take the most negative reduced
// cost of the first block that has one. Reduced costs of arcs out of source i are
// C[i, j] + pi_i - pi_{n+j}: one row of C against the demand potentials.
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

    private int _nextArc;

    private bool Pivot(int maxIterations)
    {
        _nextArc = 0;
        int blockSize = Math.Max((int)(BlockSizeFactor * Math.Sqrt(_realArcCount)), MinBlockSize);
        while (FindEnteringArc(blockSize))
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

    private bool FindEnteringArc(int blockSize)
    {
        int n = _n, m = _m, arcs = _realArcCount;
        ReadOnlySpan<double> cost = _cost.AsSpan(0, arcs);
        ReadOnlySpan<double> piT = _pi.AsSpan(n, m);
        int e = _nextArc;
        int i = e / m, j = e - i * m;
        double piS = _pi[i];
        double min = 0;
        int best = -1, budget = blockSize;
        for (int scanned = 0; scanned < arcs; scanned++)
        {
            double r = cost[e] + piS - piT[j];
            if (r < min) { min = r; best = e; }
            e++;
            if (++j == m)
            {
                j = 0;
                if (++i == n) { i = 0; e = 0; }
                piS = _pi[i];
            }
            if (--budget == 0)
            {
                if (best >= 0)
                {
                    if (IsSignificant(best, min)) { _inArc = best; _nextArc = e; return true; }
                    min = 0;
                    best = -1;
                }
                budget = blockSize;
            }
        }
        if (best >= 0 && IsSignificant(best, min)) { _inArc = best; _nextArc = e; return true; }
        return false;
    }

    private bool IsSignificant(int arc, double reducedCost)
    {
        double scale = Math.Abs(_cost[arc]) + Math.Abs(_pi[arc / _m]) + Math.Abs(_pi[_n + arc % _m]);
        return reducedCost < -RelativeTolerance * scale;
    }
}
