// The reverse passes where a user finds them: as methods of the forward's result. These
// extensions live in the forward's namespace (OtKernels.Entropic), so that referencing
// OtKernels.Autodiff is enough for IntelliSense to offer result.WeightGradients(...) after
// Sinkhorn.Solve; they allocate and return the gradients, where SinkhornBackward's methods
// write into spans the caller owns.
using System.Numerics;
using OtKernels.Autodiff.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

/// <summary>Gradients of Sinkhorn values at convergence, from the forward's result (envelope
/// theorem; see SinkhornBackward and SinkhornDivergenceBackward for the formulas).</summary>
public static class ResultGradients
{
    /// <summary>dOT_eps/da [n] and dOT_eps/db [m] of problem k, each with its mean removed
    /// (the directions that keep the mass).</summary>
    public static (double[] A, double[] B) WeightGradients<T>(this SinkhornResult<T> result, int k = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(result);
        var gradients = (new double[result.N], new double[result.M]);
        SinkhornBackward.WeightGradients(result, k, gradients.Item1, gradients.Item2);
        return gradients;
    }

    /// <summary>dOT_eps/dx [n, d] and dOT_eps/dy [m, d] of problem k on its point-cloud cost.</summary>
    public static (double[] X, double[] Y) PositionGradients<T>(this SinkhornResult<T> result, PointCloudCost cost, int k = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(cost);
        var gradients = (new double[result.N * cost.Dimension], new double[result.M * cost.Dimension]);
        SinkhornBackward.PositionGradients(result, k, cost, gradients.Item1, gradients.Item2);
        return gradients;
    }

    /// <summary>dOT_eps/dC [n, m] of problem k: its transport plan.</summary>
    public static double[] CostGradient<T>(this SinkhornResult<T> result, int k = 0) where T : unmanaged, IFloatingPointIeee754<T> =>
        SinkhornBackward.CostGradient(result, k);

    /// <summary>dS_eps/da [n] and dS_eps/db [m] of problem k, each with its mean removed.</summary>
    public static (double[] A, double[] B) WeightGradients<T>(this SinkhornDivergenceResult<T> result, int k = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(result);
        var gradients = (new double[result.Cross.N], new double[result.Cross.M]);
        SinkhornDivergenceBackward.WeightGradients(result, k, gradients.Item1, gradients.Item2);
        return gradients;
    }

    /// <summary>dS_eps/dx [n, d] and dS_eps/dy [m, d] of problem k on its point-cloud cost.</summary>
    public static (double[] X, double[] Y) PositionGradients<T>(this SinkhornDivergenceResult<T> result, PointCloudCost cost, int k = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(cost);
        var gradients = (new double[result.Cross.N * cost.Dimension], new double[result.Cross.M * cost.Dimension]);
        SinkhornDivergenceBackward.PositionGradients(result, k, cost, gradients.Item1, gradients.Item2);
        return gradients;
    }
}
