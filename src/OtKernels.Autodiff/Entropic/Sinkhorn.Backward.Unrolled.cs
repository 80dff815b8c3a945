// Reverse pass of an Unrolled Sinkhorn run: the exact gradient of what was computed,
//     V = <a, f_L> + <b, g_L>,  f_t = S_c(g_{t-1}; b, C),  g_t = S_r(f_t; a, C),  g_0 = 0,
// as the embedding papers train (Frogner et al. 2019, section 4; Genevay et al. 2018
// differentiate the same unrolled loop). With E_ij = exp((f_i + g_j - C_ij)/eps), the
// soft-min g_j = -eps log sum_i a_i exp((f_i - C_ij)/eps) has
//     dg_j/df_i = -a_i E_ij,   dg_j/da_i = -eps E_ij,   dg_j/dC_ij = a_i E_ij,
// and f_i = -eps log sum_j b_j exp((g_j - C_ij)/eps) the mirror images (E with g_{t-1}).
// The sweep runs t = L..1 over the taped iterates: O(L n m (1 + d)) time, O(L (n + m))
// memory. E_ij <= 1/a_i up to rounding (a row of a soft-max), so exp does not overflow;
// zero weights need no special case (their E terms are finite).
using System.Numerics;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Entropic;

public static partial class SinkhornBackward
{
    /// <summary>Gradients of the Unrolled value V (the result's Value) with respect to a and
    /// b (projected onto sum-zero vectors) and, for a point-cloud cost, x and y ([n, d], [m, d];
    /// pass empty spans to skip).</summary>
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
        double eps = tape.Epsilon;
        double[] wa = ToDouble(a), wb = ToDouble(b);
        var c = new double[n * m];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) c[i * m + j] = cost[i, j];

        // V = <a, f_L> + <b, g_L>: the direct terms.
        var da = ToDouble(tape.F(steps - 1));
        var db = ToDouble(tape.G(steps - 1));
        var fBar = (double[])wa.Clone();      // adjoint of f_L, before g_L's contribution
        var gBar = (double[])wb.Clone();      // adjoint of g_L
        var gBarPrevious = new double[m];
        int d = clouds?.Dimension ?? 0;
        Span<double> step = stackalloc double[Math.Max(d, 1)];
        // Iterates of step t, converted once: this step's g_{t-1} is the next step's g.
        var f = new double[n];
        double[] g = (double[])db.Clone(), gBefore = new double[m];

        for (int t = steps - 1; t >= 0; t--)
        {
            CopyToDouble(tape.F(t), f);
            if (t > 0) CopyToDouble(tape.G(t - 1), gBefore);
            else Array.Clear(gBefore); // g_0 = 0

            // g_t = S_r(f_t): f-bar += -(a E)^T-weighted g-bar; a-bar, C-bar likewise.
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int j = 0; j < m; j++)
                {
                    double e = Math.Exp((f[i] + g[j] - c[i * m + j]) / eps);
                    sum += e * gBar[j];
                    if (positions && wa[i] > 0 && gBar[j] != 0) AddPositionTerm(clouds!, i, j, wa[i] * e * gBar[j], d, step, gradientX, gradientY);
                }
                fBar[i] -= wa[i] * sum;
                da[i] -= eps * sum;
            }
            // f_t = S_c(g_{t-1}): g-bar of t-1, b-bar, C-bar.
            Array.Clear(gBarPrevious);
            for (int i = 0; i < n; i++)
            {
                if (fBar[i] == 0) continue;
                for (int j = 0; j < m; j++)
                {
                    double e = Math.Exp((f[i] + gBefore[j] - c[i * m + j]) / eps);
                    gBarPrevious[j] -= wb[j] * e * fBar[i];
                    db[j] -= eps * e * fBar[i];
                    if (positions && wb[j] > 0) AddPositionTerm(clouds!, i, j, wb[j] * e * fBar[i], d, step, gradientX, gradientY);
                }
            }
            (gBar, gBarPrevious) = (gBarPrevious, gBar);
            (g, gBefore) = (gBefore, g);
            Array.Clear(fBar); // f_{t-1} feeds only g_{t-1}
        }
        CenteredCopy<double>(da, gradientA);
        CenteredCopy<double>(db, gradientB);
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
