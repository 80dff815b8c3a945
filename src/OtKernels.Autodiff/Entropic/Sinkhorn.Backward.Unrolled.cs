// Reverse pass of an Unrolled Sinkhorn run: the exact gradient of what was computed,
//     V = <a, f_L> + <b, g_L>,  f_t = S_c(g_{t-1}; b, C),  g_t = S_r(f_t; a, C),  g_0 = 0,
// as the embedding papers train (Frogner et al. 2019, section 4; Genevay et al. 2018
// differentiate the same unrolled loop). With E_ij = exp((f_i + g_j - C_ij)/eps), the
// soft-min g_j = -eps log sum_i a_i exp((f_i - C_ij)/eps) has
//     dg_j/df_i = -a_i E_ij,   dg_j/da_i = -eps E_ij,   dg_j/dC_ij = a_i E_ij,
// and f_i = -eps log sum_j b_j exp((g_j - C_ij)/eps) the mirror images (E with g_{t-1}).
// The sweep runs t = L..1 over the taped iterates: O(L n m + n m d) time (C-bar is summed
// over the steps, and the positions take it once), O(L (n + m) + n m) memory; each step's E
// goes through one vectorised exp. E_ij <= 1/a_i up to rounding (a row of a soft-max), so exp does not overflow;
// zero weights need no special case (their E terms are finite).
// Unbalanced runs (the tape's MarginalPenalty rho finite) damp each update, f_t = kappa S_c,
// g_t = kappa S_r, kappa = rho / (rho + eps): an adjoint enters a soft-min multiplied by
// kappa, E is built on the soft-min s = g / kappa, and the value is the unbalanced dual
// objective (Sinkhorn.UnbalancedValue),
//     V = rho <a, 1 - e^(-f_L/rho)> + rho <b, 1 - e^(-g_L/rho)> - eps (<b, e^(-g_L/rho)> - m(a) m(b)),
// whose direct terms are dV/df_L = a e^(-f/rho), dV/dg_L = b e^(-g/rho) / kappa,
// dV/da = rho (1 - e^(-f/rho)) + eps m(b), dV/db = rho (1 - e^(-g/rho)) - eps e^(-g/rho) + eps m(a).
using System.Numerics;
using System.Numerics.Tensors;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic;

public static partial class SinkhornBackward
{
    /// <summary>Gradients of the Unrolled value V (the result's Value) with respect to a and
    /// b (projected onto sum-zero vectors when balanced; whole when unbalanced) and, for a
    /// point-cloud cost, x and y ([n, d], [m, d]; pass empty spans to skip).</summary>
    /// <param name="tape">The iterates recorded by Sinkhorn.Solve(..., tape).</param>
    /// <param name="cost">The cost of that solve.</param>
    /// <param name="a">The source masses of that solve.</param>
    /// <param name="b">The target masses of that solve (with the sum of a).</param>
    public static void UnrolledGradients<T>(SinkhornTape<T> tape, GroundCost cost, ReadOnlySpan<T> a, ReadOnlySpan<T> b,
        Span<double> gradientA, Span<double> gradientB, Span<double> gradientX = default, Span<double> gradientY = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(cost);
        int n = a.Length, m = b.Length, steps = tape.Count;
        if (steps == 0) throw new ArgumentException("The tape is empty: record it with Sinkhorn.Solve(..., tape).", nameof(tape));
        ThrowHelper.ThrowIfLengthMismatch(gradientA.Length, n, nameof(gradientA), "n");
        ThrowHelper.ThrowIfLengthMismatch(gradientB.Length, m, nameof(gradientB), "m");
        bool positions = !gradientX.IsEmpty || !gradientY.IsEmpty;
        PointCloudCost? clouds = cost as PointCloudCost;
        if (positions)
        {
            if (clouds is null) throw new ArgumentException("Position gradients need a PointCloudCost.", nameof(cost));
            ThrowHelper.ThrowIfLengthMismatch(gradientX.Length, n * clouds.Dimension, nameof(gradientX), "n x d");
            ThrowHelper.ThrowIfLengthMismatch(gradientY.Length, m * clouds.Dimension, nameof(gradientY), "m x d");
            gradientX.Clear();
            gradientY.Clear();
        }
        double eps = tape.Epsilon, inverse = 1 / eps, rho = tape.MarginalPenalty;
        bool unbalanced = !double.IsPositiveInfinity(rho);
        double kappa = unbalanced ? rho / (rho + eps) : 1;
        double[] wa = ToDouble(a), wb = ToDouble(b);
        var scaledCost = new double[n * m]; // C / eps, read twice per step
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) scaledCost[i * m + j] = cost[i, j] * inverse;

        // V = <a, f_L> + <b, g_L> (or the unbalanced objective): the direct terms.
        var da = ToDouble(tape.F(steps - 1));
        var db = ToDouble(tape.G(steps - 1));
        var fBar = (double[])wa.Clone();      // adjoint of f_L, before g_L's contribution
        var gBar = (double[])wb.Clone();      // adjoint of g_L
        if (unbalanced) UnbalancedValueTerms(wa, wb, rho, eps, da, db, fBar, gBar);
        var gBarPrevious = new double[m];
        // dV/dC summed over all steps; the positions take it once at the end (sum_ij C-bar_ij
        // dC_ij/dx), not once per step and entry.
        double[] cBar = positions ? new double[n * m] : [];
        var e = new double[n * m]; // E of one update, the whole block through one vectorised exp
        var row = new double[m];
        // Iterates of step t, converted once: this step's g_{t-1} is the next step's g.
        var f = new double[n];
        double[] g = ToDouble(tape.G(steps - 1)), gBefore = new double[m];

        // The soft-min values the exponents are built on: g_t / kappa and f_t / kappa.
        double[] gScaled = unbalanced ? new double[m] : [], fScaled = unbalanced ? new double[n] : [];
        for (int t = steps - 1; t >= 0; t--)
        {
            CopyToDouble(tape.F(t), f);
            if (t > 0) CopyToDouble(tape.G(t - 1), gBefore);
            else Array.Clear(gBefore); // g_0 = 0
            double[] gSoft = g, fSoft = f;
            if (unbalanced)
            {
                TensorPrimitives.Divide(g, kappa, gSoft = gScaled);
                TensorPrimitives.Divide(f, kappa, fSoft = fScaled);
                TensorPrimitives.Multiply(gBar, kappa, gBar); // g_t = kappa S_r(f_t)
            }

            // g_t = S_r(f_t): f-bar += -(a E)^T-weighted g-bar; a-bar, C-bar likewise.
            Exponents(f, gSoft, scaledCost, inverse, e);
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<double> ei = e.AsSpan(i * m, m);
                double sum = TensorPrimitives.Dot(ei, gBar);
                fBar[i] -= wa[i] * sum;
                da[i] -= eps * sum;
                if (positions && wa[i] > 0)
                {
                    TensorPrimitives.Multiply(ei, gBar, row);
                    TensorPrimitives.MultiplyAdd(row, wa[i], cBar.AsSpan(i * m, m), cBar.AsSpan(i * m, m));
                }
            }
            // f_t = S_c(g_{t-1}): g-bar of t-1, b-bar, C-bar. row collects sum_i E_ij f-bar_i.
            if (unbalanced) TensorPrimitives.Multiply(fBar, kappa, fBar); // f_t = kappa S_c(g_{t-1})
            Exponents(fSoft, gBefore, scaledCost, inverse, e);
            Array.Clear(row);
            for (int i = 0; i < n; i++)
            {
                if (fBar[i] == 0) continue;
                ReadOnlySpan<double> ei = e.AsSpan(i * m, m);
                TensorPrimitives.MultiplyAdd(ei, fBar[i], row, row);
                if (positions)
                {
                    Span<double> ci = cBar.AsSpan(i * m, m);
                    for (int j = 0; j < m; j++) ci[j] += wb[j] * ei[j] * fBar[i];
                }
            }
            TensorPrimitives.Multiply(row, wb, gBarPrevious);
            TensorPrimitives.Negate(gBarPrevious, gBarPrevious);
            TensorPrimitives.MultiplyAdd(row, -eps, db, db);
            (gBar, gBarPrevious) = (gBarPrevious, gBar);
            (g, gBefore) = (gBefore, g);
            Array.Clear(fBar); // f_{t-1} feeds only g_{t-1}
        }
        if (positions)
        {
            int d = clouds!.Dimension;
            Span<double> step = stackalloc double[d];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++)
                    if (cBar[i * m + j] != 0) AddPositionTerm(clouds, i, j, cBar[i * m + j], d, step, gradientX, gradientY);
        }
        if (unbalanced)
        {
            da.CopyTo(gradientA);
            db.CopyTo(gradientB);
            return;
        }
        CenteredCopy<double>(da, gradientA);
        CenteredCopy<double>(db, gradientB);
    }

    /// <summary>The direct terms of the unbalanced value (header): on entry da, db hold f_L,
    /// g_L and fBar, gBar hold a, b; on exit all four hold dV's direct parts.</summary>
    private static void UnbalancedValueTerms(double[] a, double[] b, double rho, double eps, double[] da, double[] db, double[] fBar, double[] gBar)
    {
        double massA = a.Sum(), massB = b.Sum();
        for (int i = 0; i < a.Length; i++)
        {
            double shrink = Sinkhorn.ExpM1(-da[i] / rho); // e^(-f/rho) - 1
            fBar[i] = a[i] * (1 + shrink);
            da[i] = -rho * shrink + eps * massB;
        }
        for (int j = 0; j < b.Length; j++)
        {
            double shrink = Sinkhorn.ExpM1(-db[j] / rho);
            gBar[j] = b[j] * (1 + shrink) * (1 + eps / rho);
            db[j] = -rho * shrink - eps * (1 + shrink) + eps * massA;
        }
    }

    /// <summary>E_ij = exp(f_i/eps + h_j/eps - C_ij/eps) for all i, j (scaledCost = C/eps).</summary>
    private static void Exponents(double[] f, double[] h, double[] scaledCost, double inverse, double[] e)
    {
        int n = f.Length, m = h.Length;
        for (int i = 0; i < n; i++)
        {
            double fi = f[i] * inverse;
            for (int j = 0; j < m; j++) e[i * m + j] = fi + h[j] * inverse - scaledCost[i * m + j];
        }
        TensorPrimitives.Exp<double>(e, e);
    }

    private static double[] ToDouble<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        CopyToDouble(values, result);
        return result;
    }

    private static void CopyToDouble<T>(ReadOnlySpan<T> values, Span<double> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++) destination[i] = double.CreateTruncating(values[i]);
    }
}
