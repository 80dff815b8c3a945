// Reverse pass of Sinkhorn at convergence (Converged mode), by the envelope theorem
// (Danskin): OT_eps(a, b; C) = max_{f,g} <a,f> + <b,g> - eps <a x b, exp((f + g - C)/eps) - 1>,
// so its gradient is the partial gradient of the dual objective at the optimal (f, g):
//     dOT/da = f,  dOT/db = g,  dOT/dC = P,  dOT/dx_i = sum_j P_ij dC(x_i, y_j)/dx_i
// (Feydy et al. 2019, section 3.2; OTT's implicit/Danskin mode). O(1) memory: nothing of the
// iterations is kept. Caveats: this is the gradient of the exact OT_eps, which the computed
// value matches only up to the marginal error (reported in the result); and it is a
// first-order formula, so it is not the gradient of a truncated (Unrolled) run.
// Weight gradients are projected onto sum-zero directions: the masses live on a simplex,
// where a constant shift of f is not a direction one can move in. Unbalanced transport has
// its own dual objective (Sejourne et al. 2019, eq. 8), hence its own weight gradients; dC
// and the positions are the same formulas on its plan.
using System.Numerics;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic;

public static partial class SinkhornBackward
{
    /// <summary>dOT_eps/da and dOT_eps/db of problem k. Balanced: the potentials projected
    /// onto sum-zero vectors (the mean subtracted). Unbalanced, where every direction is
    /// allowed: the full partial derivatives of the dual objective (Sinkhorn.UnbalancedValue),
    ///     dOT/da_i = rho (1 - exp(-f_i/rho)) - eps exp(-f_i/rho) + eps m(b),
    /// with (P 1)_i = a_i exp(-f_i/rho) at the optimum, and dOT/db_j the mirror image. Zero-mass
    /// bins get theirs too: the rate for adding mass there.</summary>
    public static void WeightGradients<T>(SinkhornResult<T> result, int k, Span<double> gradientA, Span<double> gradientB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowHelper.ThrowIfLengthMismatch(gradientA.Length, result.N, nameof(gradientA), "n");
        ThrowHelper.ThrowIfLengthMismatch(gradientB.Length, result.M, nameof(gradientB), "m");
        if (double.IsPositiveInfinity(result.MarginalPenalty))
        {
            CenteredCopy(result.FOf(k), gradientA);
            CenteredCopy(result.GOf(k), gradientB);
            return;
        }
        double massA = Total(result.AOf(k)), massB = Total(result.BOf(k));
        RelaxedGradient(result.FOf(k), result.MarginalPenalty, result.Epsilon, result.Epsilon * massB, gradientA);
        RelaxedGradient(result.GOf(k), result.MarginalPenalty, result.Epsilon, result.Epsilon * massA, gradientB);
    }

    /// <summary>gradient_i = phi(p_i) + shift, phi(p) = rho (1 - exp(-p/rho)) - eps exp(-p/rho):
    /// the derivative of the unbalanced dual objective in a weight, less its mass term.</summary>
    internal static void RelaxedGradient<T>(ReadOnlySpan<T> potential, double rho, double epsilon, double shift, Span<double> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < potential.Length; i++)
        {
            double shrink = Sinkhorn.ExpM1(-double.CreateTruncating(potential[i]) / rho); // exp(-p/rho) - 1
            gradient[i] = -rho * shrink - epsilon * (1 + shrink) + shift;
        }
    }

    internal static double Total<T>(ReadOnlySpan<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (T x in w) sum += double.CreateTruncating(x);
        return sum;
    }

    /// <summary>dOT_eps/dx and dOT_eps/dy of problem k for a point-cloud cost:
    /// dx_i = sum_j P_ij dC/dx_i, dy_j = -sum_i P_ij dC/dx_i. Layouts [n, d] and [m, d].</summary>
    public static void PositionGradients<T>(SinkhornResult<T> result, int k, PointCloudCost cost,
        Span<double> gradientX, Span<double> gradientY) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cost);
        int d = cost.Dimension;
        ThrowHelper.ThrowIfLengthMismatch(gradientX.Length, result.N * d, nameof(gradientX), "n x d");
        ThrowHelper.ThrowIfLengthMismatch(gradientY.Length, result.M * d, nameof(gradientY), "m x d");
        gradientX.Clear();
        gradientY.Clear();
        double[] plan = result.Plan(k);
        Span<double> step = stackalloc double[d];
        for (int i = 0; i < result.N; i++)
        {
            for (int j = 0; j < result.M; j++)
            {
                double p = plan[i * result.M + j];
                if (p != 0) AddPositionTerm(cost, i, j, p, d, step, gradientX, gradientY);
            }
        }
    }

    /// <summary>gradientX_i += weight dC(x_i, y_j)/dx_i and gradientY_j -= the same (every
    /// metric is a function of x_i - y_j); step is scratch of length d.</summary>
    private static void AddPositionTerm(PointCloudCost cost, int i, int j, double weight, int d, Span<double> step,
        Span<double> gradientX, Span<double> gradientY)
    {
        step.Clear();
        cost.AddSourceGradient(i, j, weight, step);
        for (int k = 0; k < d; k++)
        {
            gradientX[i * d + k] += step[k];
            gradientY[j * d + k] -= step[k];
        }
    }

    /// <summary>dOT_eps/dC of problem k: the plan, dense n x m.</summary>
    public static double[] CostGradient<T>(SinkhornResult<T> result, int k)
        where T : unmanaged, IFloatingPointIeee754<T> => result.Plan(k);

    internal static void CenteredCopy<T>(ReadOnlySpan<T> potential, Span<double> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double mean = 0;
        for (int i = 0; i < potential.Length; i++) mean += gradient[i] = double.CreateTruncating(potential[i]);
        mean /= potential.Length;
        for (int i = 0; i < gradient.Length; i++) gradient[i] -= mean;
    }
}
