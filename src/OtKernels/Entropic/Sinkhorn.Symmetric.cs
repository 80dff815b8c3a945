// The self-transport term OT_eps(a, a) on a symmetric cost C(x, x), by the averaged
// symmetric update f <- (f + softmin_eps(C - f; a)) / 2 (Feydy et al. 2019, "Interpolating
// between optimal transport and MMD using Sinkhorn divergences", section 3.1), which
// converges in a few iterations; at its fixed point f = g and OT_eps(a, a) = 2 <a, f>.
using System.Numerics;
using System.Numerics.Tensors;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

public static partial class Sinkhorn
{
    /// <summary>One self-term. Writes f; returns (value, marginal error, iterations, status).</summary>
    internal static (double, double, int, SinkhornStatus) SolveSymmetric<T>(GroundCost selfCost, ReadOnlySpan<T> a,
        SinkhornOptions options, Span<T> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = a.Length;
        T[] logA = LogWeights(a);
        var h = new T[n];
        var fNext = new T[n];
        T half = T.CreateTruncating(0.5);
        f.Clear();
        double mass = 0;
        foreach (T w in a) mass += double.CreateTruncating(w);

        if (options.EpsilonScaling > 0)
        {
            for (double e = selfCost.MaxCost(); e > options.Epsilon; e *= options.EpsilonScaling)
            {
                UpdateG(selfCost, T.CreateTruncating(e), f, logA, h, fNext);
                TensorPrimitives.Add(f, fNext, f);
                TensorPrimitives.Multiply(f, half, f);
            }
        }
        T eps = T.CreateTruncating(options.Epsilon);
        double error = double.NaN;
        int iteration = 0;
        SinkhornStatus status = SinkhornStatus.MaxIterations;
        while (true)
        {
            UpdateG(selfCost, eps, f, logA, h, fNext);
            if (iteration == options.MaxIterations || iteration % options.CheckEvery == 0)
            {
                // The plan a_i a_j exp((f_i + f_j - C_ij)/eps) has row sums a_i exp((f_i - fNext_i)/eps).
                error = RowMarginalError(a, f, fNext, eps);
                if (!double.IsFinite(error)) { status = SinkhornStatus.Diverged; break; }
                if (iteration > 0 && error <= options.Tolerance * mass && (options.Mode == SinkhornMode.Converged || iteration == options.MaxIterations))
                {
                    status = SinkhornStatus.Converged;
                    break;
                }
            }
            if (iteration == options.MaxIterations) break;
            TensorPrimitives.Add(f, fNext, f);
            TensorPrimitives.Multiply(f, half, f);
            iteration++;
        }
        double value = 0;
        for (int i = 0; i < n; i++) if (a[i] > T.Zero) value += 2 * double.CreateTruncating(a[i] * f[i]);
        return (value, error, iteration, status);
    }
}
