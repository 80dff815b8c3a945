using OtKernels.Geometry;

namespace OtKernels.Tests.Entropic;

/// <summary>A cost that overrides nothing but the indexer, so its soft-min is the base
/// class's row-by-row path: the reference for the specialised soft-mins.</summary>
internal sealed class ReferenceCost(double[] values, int rows, int cols) : GroundCost(rows, cols)
{
    public override double this[int i, int j] => values[i * Cols + j];

    public static ReferenceCost Of(GroundCost cost)
    {
        var v = new double[cost.Rows * cost.Cols];
        for (int i = 0; i < cost.Rows; i++) for (int j = 0; j < cost.Cols; j++) v[i * cost.Cols + j] = cost[i, j];
        return new ReferenceCost(v, cost.Rows, cost.Cols);
    }
}
