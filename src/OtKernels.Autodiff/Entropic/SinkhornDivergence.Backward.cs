// Reverse pass of the Sinkhorn divergence at convergence, term by term:
//     S = OT(a, b) - OT(a, a)/2 - OT(b, b)/2.
// OT(a, a) depends on a (and x) through both of its arguments and is symmetric, so
//     dS/da = f_ab - f_aa,   dS/db = g_ab - f_bb,
//     dS/dx_i = sum_j P^ab_ij dC(x_i, y_j)/dx_i - sum_j P^aa_ij dC(x_i, x_j)/dx_i,
// with P^aa_ij = a_i a_j exp((f_i + f_j - C(x_i, x_j))/eps) (Feydy et al. 2019, eq. 8 and
// section 3.2). The envelope-theorem caveats of Sinkhorn.Backward.cs apply.
using System.Numerics;
using System.Numerics.Tensors;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic;

public static partial class SinkhornDivergenceBackward
{
    /// <summary>dS/da and dS/db of problem k, projected onto sum-zero vectors (balanced), or
    /// the full derivatives phi(f_i) - phi(f^aa_i) (unbalanced; phi as SinkhornBackward.WeightGradients).</summary>
    public static void WeightGradients<T>(SinkhornDivergenceResult<T> result, int k, Span<double> gradientA, Span<double> gradientB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SinkhornResult<T> cross = result.Cross;
        ThrowHelper.ThrowIfLengthMismatch(gradientA.Length, cross.N, nameof(gradientA), "n");
        ThrowHelper.ThrowIfLengthMismatch(gradientB.Length, cross.M, nameof(gradientB), "m");
        if (!double.IsPositiveInfinity(cross.MarginalPenalty))
        {
            // dS/da_i = phi(f_i) - phi(f^aa_i): the cross term's eps m(b) and the self-term's
            // eps m(a) cancel against the mass term's eps (m(a) - m(b)) (see WeightGradients).
            RelaxedDifference(cross.FOf(k), result.FSelfA.AsSpan(k * cross.N, cross.N), cross.MarginalPenalty, cross.Epsilon, gradientA);
            RelaxedDifference(cross.GOf(k), result.FSelfB.AsSpan(k * cross.M, cross.M), cross.MarginalPenalty, cross.Epsilon, gradientB);
            return;
        }
        var fa = new T[cross.N];
        var gb = new T[cross.M];
        for (int i = 0; i < cross.N; i++) fa[i] = cross.FOf(k)[i] - result.FSelfA[k * cross.N + i];
        for (int j = 0; j < cross.M; j++) gb[j] = cross.GOf(k)[j] - result.FSelfB[k * cross.M + j];
        SinkhornBackward.CenteredCopy<T>(fa, gradientA);
        SinkhornBackward.CenteredCopy<T>(gb, gradientB);
    }

    private static void RelaxedDifference<T>(ReadOnlySpan<T> cross, ReadOnlySpan<T> self, double rho, double epsilon, Span<double> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> selfPart = new double[gradient.Length];
        SinkhornBackward.RelaxedGradient(cross, rho, epsilon, 0, gradient);
        SinkhornBackward.RelaxedGradient(self, rho, epsilon, 0, selfPart);
        TensorPrimitives.Subtract(gradient, selfPart, gradient);
    }

    /// <summary>dS/dx and dS/dy of problem k for a point-cloud cost; layouts [n, d], [m, d].</summary>
    public static void PositionGradients<T>(SinkhornDivergenceResult<T> result, int k, PointCloudCost cost,
        Span<double> gradientX, Span<double> gradientY) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SinkhornBackward.PositionGradients(result.Cross, k, cost, gradientX, gradientY);
        SinkhornResult<T> cross = result.Cross;
        SubtractSelfTerm((PointCloudCost)cost.SourceSelfCost(), cross.AOf(k), result.FSelfA.AsSpan(k * cross.N, cross.N), cross.Epsilon, gradientX);
        SubtractSelfTerm((PointCloudCost)cost.TargetSelfCost(), cross.BOf(k), result.FSelfB.AsSpan(k * cross.M, cross.M), cross.Epsilon, gradientY);
    }

    /// <summary>gradient_i -= sum_j P_ij dC(z_i, z_j)/dz_i for the symmetric self-plan P.</summary>
    private static void SubtractSelfTerm<T>(PointCloudCost self, ReadOnlySpan<T> w, ReadOnlySpan<T> f, double epsilon, Span<double> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = w.Length, d = self.Dimension;
        Span<double> step = stackalloc double[d];
        for (int i = 0; i < n; i++)
        {
            double wi = double.CreateTruncating(w[i]);
            if (wi == 0) continue;
            step.Clear();
            for (int j = 0; j < n; j++)
            {
                double wj = double.CreateTruncating(w[j]);
                if (wj == 0) continue;
                double p = wi * wj * Math.Exp((double.CreateTruncating(f[i]) + double.CreateTruncating(f[j]) - self[i, j]) / epsilon);
                self.AddSourceGradient(i, j, p, step);
            }
            for (int c = 0; c < d; c++) gradient[i * d + c] -= step[c];
        }
    }
}
