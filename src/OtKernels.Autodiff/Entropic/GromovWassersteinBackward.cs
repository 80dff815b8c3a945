// Reverse pass of entropic (fused) Gromov–Wasserstein at its fixed point, by the envelope
// theorem: the coupling T is a stationary point of the entropic objective
//     E = alpha sum_{ijkl} L(C1_ik, C2_jl) T_ij T_kl + (1 - alpha) <M, T> + eps KL(T | p q^T)
// over the couplings of (p, q) (GromovWasserstein.cs), so dE/dC1, dE/dC2 and dE/dM are the
// partial derivatives at fixed T. With L = f1(a) + f2(b) - h1(a) h2(b) and the constant part
// written with the masses, as the value is computed (PCS 2016, Prop. 1):
//     dE/dC1_ik = alpha (f1'(C1_ik) r_i p_k - h1'(C1_ik) (T h2(C2) T^T)_ik),  r = T 1,
//     dE/dC2_jl = alpha (f2'(C2_jl) c_j q_l - h2'(C2_jl) (T^T h1(C1) T)_jl),  c = T^T 1,
//     dE/dM = (1 - alpha) T.
// Square loss: f1' = 2a, h1' = 1, f2' = 2b, h2' = 2; KL: f1' = log a, h1' = 1, f2' = 1,
// h2' = 1/(b + 1e-15) (GromovLoss.KL's floor). Caveat: E is not convex, so this is the gradient of the local optimum found.
using OtKernels.Entropic;
using OtKernels.LinearAlgebra;

namespace OtKernels.Autodiff.Entropic;

/// <summary>Gradients of the entropic (fused) Gromov–Wasserstein objective at the returned coupling.</summary>
public static class GromovWassersteinBackward
{
    /// <summary>dE/dC1 [n, n] and dE/dC2 [m, m] of a solved problem (the Objective's
    /// gradient with respect to the structure matrices).</summary>
    public static void StructureGradients(GromovWassersteinResult result, Span<double> gradientC1, Span<double> gradientC2)
    {
        ArgumentNullException.ThrowIfNull(result);
        int n = result.N, m = result.M;
        ThrowHelper.ThrowIfLengthMismatch(gradientC1.Length, n * n, nameof(gradientC1), "n x n");
        ThrowHelper.ThrowIfLengthMismatch(gradientC2.Length, m * m, nameof(gradientC2), "m x m");
        GromovWassersteinProblem problem = result.Problem.Problem;
        double[] t = result.Plan, c1 = problem.C1, c2 = problem.C2, p = result.Problem.P, q = result.Problem.Q;
        bool kl = result.Options.Loss == GromovLoss.KL;
        double alpha = problem.Alpha;
        var rows = new double[n];
        var cols = new double[m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) { rows[i] += t[i * m + j]; cols[j] += t[i * m + j]; }

        // T h2(C2) T^T [n, n] and T^T h1(C1) T [m, m] (h1(C1) = C1), through the register-tiled
        // products and one transpose of T.
        var transposed = new double[m * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) transposed[j * n + i] = t[i * m + j];
        double[] th2 = new double[n * m], inner1 = new double[n * n], c1t = new double[n * m], inner2 = new double[m * m];
        SmallMatrix.Multiply<double>(t, result.Problem.H2, th2, n, m, m);
        SmallMatrix.Multiply<double>(th2, transposed, inner1, n, m, n);
        SmallMatrix.Multiply<double>(c1, t, c1t, n, n, m);
        SmallMatrix.Multiply<double>(transposed, c1t, inner2, m, n, m);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
            {
                double a = c1[i * n + k];
                double f1Slope = kl ? (a > 0 ? Math.Log(a) : double.NegativeInfinity) : 2 * a;
                gradientC1[i * n + k] = alpha * (f1Slope * rows[i] * p[k] - inner1[i * n + k]);
            }
        for (int j = 0; j < m; j++)
            for (int l = 0; l < m; l++)
            {
                double b = c2[j * m + l];
                double f2Slope = kl ? 1 : 2 * b, h2Slope = kl ? 1 / (b + GromovWasserstein.Prepared.KlFloor) : 2;
                gradientC2[j * m + l] = alpha * (f2Slope * cols[j] * q[l] - h2Slope * inner2[j * m + l]);
            }
    }

    /// <summary>dE/dM [n, m] of a fused problem: (1 - alpha) T.</summary>
    public static double[] FeatureGradient(GromovWassersteinResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        double weight = 1 - result.Problem.Problem.Alpha;
        return result.Plan.Select(t => weight * t).ToArray();
    }
}
