// Where the greedy start should look first, row by row: the compact target columns that a
// coarse optimal plan links to the row's parent. Rows are grouped by parent, so the lists
// are stored once per group (CSR).
namespace OtKernels.Exact;

internal sealed class StartPreference(int[] rowGroup, int[] groupStart, int[] groupColumns)
{
    public ReadOnlySpan<int> Candidates(int row)
    {
        int g = rowGroup[row];
        return groupColumns.AsSpan(groupStart[g], groupStart[g + 1] - groupStart[g]);
    }
}
