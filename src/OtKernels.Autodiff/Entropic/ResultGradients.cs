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
        return Pair(result.N, result.M, (ga, gb) => SinkhornBackward.WeightGradients(result, k, ga, gb));
    }

    /// <summary>dOT_eps/dx [n, d] and dOT_eps/dy [m, d] of problem k on its point-cloud cost.</summary>
    public static (double[] X, double[] Y) PositionGradients<T>(this SinkhornResult<T> result, PointCloudCost cost, int k = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(cost);
        return Pair(result.N * cost.Dimension, result.M * cost.Dimension, (gx, gy) => SinkhornBackward.PositionGradients(result, k, cost, gx, gy));
    }

    /// <summary>dOT_eps/dC [n, m] of problem k: its transport plan.</summary>
    public static double[] CostGradient<T>(this SinkhornResult<T> result, int k = 0) where T : unmanaged, IFloatingPointIeee754<T> =>
        SinkhornBackward.CostGradient(result, k);

    /// <summary>dS_eps/da [n] and dS_eps/db [m] of problem k, each with its mean removed.</summary>
    public static (double[] A, double[] B) WeightGradients<T>(this SinkhornDivergenceResult<T> result, int k = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(result);
        return Pair(result.Cross.N, result.Cross.M, (ga, gb) => SinkhornDivergenceBackward.WeightGradients(result, k, ga, gb));
    }

    /// <summary>dS_eps/dx [n, d] and dS_eps/dy [m, d] of problem k on its point-cloud cost.</summary>
    public static (double[] X, double[] Y) PositionGradients<T>(this SinkhornDivergenceResult<T> result, PointCloudCost cost, int k = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(cost);
        return Pair(result.Cross.N * cost.Dimension, result.Cross.M * cost.Dimension,
            (gx, gy) => SinkhornDivergenceBackward.PositionGradients(result, k, cost, gx, gy));
    }

    private delegate void FillPair(Span<double> first, Span<double> second);

    /// <summary>Two new arrays of the given lengths, filled by the span API.</summary>
    private static (double[], double[]) Pair(int first, int second, FillPair fill)
    {
        var pair = (new double[first], new double[second]);
        fill(pair.Item1, pair.Item2);
        return pair;
    }
}
