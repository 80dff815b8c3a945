// What a coarse solution tells the fine solve (Schmitzer 2016, "A sparse multiscale
// algorithm for dense optimal transport", section 3): for each fine source, the compact
// target columns whose parents the coarse plan links to its parent (the candidate arcs, the
// sparse path's first graph), and the coarse target potentials lifted to the fine columns,
// which order the greedy start by reduced cost. Rows are grouped by parent, so the candidate
// lists are stored once per group (CSR).
namespace OtKernels.Exact;

internal sealed class CoarseStart(int[] rowGroup, int[] groupStart, int[] groupColumns, double[] columnPotential)
{
    /// <summary>The candidate columns of compact row r.</summary>
    public ReadOnlySpan<int> Candidates(int row)
    {
        int g = rowGroup[row];
        return groupColumns.AsSpan(groupStart[g], groupStart[g + 1] - groupStart[g]);
    }

    /// <summary>v of each compact column's parent in the coarse solution.</summary>
    public double[] ColumnPotential => columnPotential;
}
