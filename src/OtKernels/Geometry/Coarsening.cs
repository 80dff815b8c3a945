// A coarser version of a ground cost, for multiscale warm starts: bins are pooled into
// parents, and the coarse cost between parents approximates the fine cost between their
// children. The exact solver solves the coarse problem first and uses its plan to choose
// where the fine start sends mass; optimality is still proven on the fine problem.
namespace OtKernels.Geometry;

/// <param name="Cost">The cost between parent bins.</param>
/// <param name="RowParent">RowParent[i] is the parent of fine source bin i.</param>
/// <param name="ColParent">ColParent[j] is the parent of fine target bin j.</param>
public sealed record Coarsening(GroundCost Cost, int[] RowParent, int[] ColParent);
