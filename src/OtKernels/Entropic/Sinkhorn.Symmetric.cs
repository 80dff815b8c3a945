// The self-transport term OT_eps(a, a) on a symmetric cost C(x, x), by the averaged
// symmetric update f <- (f + softmin_eps(C - f; a)) / 2 (Feydy et al. 2019, "Interpolating
// between optimal transport and MMD using Sinkhorn divergences", section 3.1), which
// converges in a few iterations; at its fixed point f = g and OT_eps(a, a) = 2 <a, f>.
using System.Numerics;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

public static partial class Sinkhorn
{
    /// <summary>One self-term. Writes f; returns (value, marginal error, iterations, status).</summary>
    internal static (double, double, int, SinkhornStatus) SolveSymmetric<T>(GroundCost selfCost, ReadOnlySpan<T> a,
        SinkhornOptions options, Span<T> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] logA = LogWeights(a);
        var h = new T[a.Length];
        var fNext = new T[a.Length];
        T half = T.CreateTruncating(0.5);
        f.Clear();
        double mass = 0;
        foreach (T w in a) mass += double.CreateTruncating(w);

        if (options.EpsilonScaling > 0)
        {
            for (double e = selfCost.MaxCost(); e > options.Epsilon; e *= options.EpsilonScaling)
            {
                UpdateG(new GibbsKernel<T>(selfCost, T.CreateTruncating(e)), f, logA, h, fNext);
                Relax(f, fNext, half, f); // the averaged step: a relaxation with omega = 1/2
            }
        }
        T eps = T.CreateTruncating(options.Epsilon);
        var kernel = new GibbsKernel<T>(selfCost, eps);
        double error = double.NaN;
        int iteration = 0;
        SinkhornStatus status = SinkhornStatus.MaxIterations;
        while (true)
        {
            UpdateG(kernel, f, logA, h, fNext);
            if (iteration == options.MaxIterations || iteration % options.CheckEvery == 0)
            {
                // The plan a_i a_j exp((f_i + f_j - C_ij)/eps) has row sums a_i exp((f_i - fNext_i)/eps).
                error = RowMarginalError(a, f, fNext, eps);
                double floor = PrecisionFloor(a, fNext, a, f, options.Epsilon);
                if (CheckStatus(ref error, floor, mass, options, iteration) is { } stopped) { status = stopped; break; }
            }
            if (iteration == options.MaxIterations) break;
            Relax(f, fNext, half, f);
            iteration++;
        }
        double value = 2 * WeightedSum(a, f);
        return (value, error, iteration, Finished(status, value));
    }
}
