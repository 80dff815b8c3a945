// The closed-form EMD losses of histograms on a label tree (Martinez, "Relaxed Earth Mover's
// Distances for chain- and tree-connected spaces", 2016; the lecture "The Wasserstein
// distance as a loss function in deep learning"). With p and q each divided by its sum and,
// for every edge e from node v to its parent of length w_e, the mass difference below it
//     phi_e = sum_{classes c below v} (p_c - q_c),
// the relaxed (hierarchical) EMD is
//     HEMD^rho(p, q) = sum_e w_e |phi_e|^rho,            rho >= 1.
// rho = 1 is the exact EMD on the tree's path metric (all mass below e must cross e, and
// on a tree no plan crosses an edge more than that); on a path (LabelTree.Chain) it is the 1D
// EMD sum_i |cumulative p - q|, and rho = 2 the lecture's squared variant. Its gradient with
// respect to p_k is the sum over the edges above k's node,
//     g_k = rho sum_{e above k} w_e sign(phi_e) |phi_e|^(rho - 1)   (sign(0) = 0: a subgradient),
// which the lecture prints projected onto sum-zero vectors (g - mean g, its
// sum_j (delta_jk - 1/N) term). Three gradients are offered: that projection (Simplex), the
// exact gradient of the loss as a function of the unnormalised p (Normalized: (g - <g, p>)/|p|),
// and behind a softmax p = softmax(z) (dL/dz = p (g - <p, g>)). O(nodes) per histogram.
using OtKernels.Geometry;

namespace OtKernels.Autodiff.Losses;

/// <summary>Which gradient TreeEmdLoss.Compute writes.</summary>
public enum TreeEmdGradient
{
    /// <summary>The raw gradient projected onto sum-zero vectors, as the lecture prints it.</summary>
    Simplex,
    /// <summary>The exact gradient with respect to the unnormalised p (each side is divided by its sum).</summary>
    Normalized,
}

/// <summary>The tree EMD (rho = 1) and the relaxed HEMD^rho between histograms on a label
/// tree, with their gradients, on histograms or behind a softmax.</summary>
public static class TreeEmdLoss
{
    /// <summary>HEMD^rho(p, q) with p and q divided by their sums; when gradient is not empty,
    /// writes the chosen gradient with respect to p.</summary>
    /// <exception cref="ArgumentException">Lengths other than the tree's classes, negative or
    /// non-finite masses, an all-zero histogram, rho &lt; 1; named.</exception>
    public static double Compute(LabelTree tree, double rho, ReadOnlySpan<double> p, ReadOnlySpan<double> q, Span<double> gradient = default,
        TreeEmdGradient kind = TreeEmdGradient.Simplex)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ThrowIfBadRho(rho);
        int k = tree.Classes;
        ThrowHelper.ThrowIfLengthMismatch(p.Length, k, nameof(p), "the tree's classes");
        ThrowHelper.ThrowIfLengthMismatch(q.Length, k, nameof(q), "the tree's classes");
        if (!gradient.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(gradient.Length, k, nameof(gradient), "the tree's classes");
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Simplex or Normalized.");
        double sumP = ThrowHelper.ValidateMasses(p, nameof(p)), sumQ = ThrowHelper.ValidateMasses(q, nameof(q));
        var difference = new double[k];
        for (int c = 0; c < k; c++) difference[c] = p[c] / sumP - q[c] / sumQ;
        var below = new double[tree.Nodes];
        double loss = Forward(tree, rho, difference, below);
        if (gradient.IsEmpty) return loss;
        Backward(tree, rho, below, new double[tree.Nodes], gradient);
        double shift = 0;
        for (int c = 0; c < k; c++) shift += kind == TreeEmdGradient.Simplex ? gradient[c] / k : gradient[c] * p[c] / sumP;
        for (int c = 0; c < k; c++) gradient[c] = kind == TreeEmdGradient.Simplex ? gradient[c] - shift : (gradient[c] - shift) / sumP;
        return loss;
    }

    /// <summary>losses[s] = HEMD^rho(softmax(logits[s]), targets[s]) for a batch [B, K]
    /// (targets are histograms, divided by their sums); writes dLoss_s/dlogits[s] into gradient
    /// when it is not empty (not averaged over the batch).</summary>
    /// <exception cref="ArgumentException">Shapes that do not match, a non-finite logit, a bad target or rho; named with the sample.</exception>
    public static void FromLogits(LabelTree tree, double rho, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<double> losses, Span<float> gradient = default)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ThrowIfBadRho(rho);
        int k = tree.Classes, batch = losses.Length;
        ThrowHelper.ThrowIfLengthMismatch(logits.Length, batch * k, nameof(logits), $"[{batch}, {k}]");
        ThrowHelper.ThrowIfLengthMismatch(targets.Length, batch * k, nameof(targets), $"[{batch}, {k}]");
        if (!gradient.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(gradient.Length, batch * k, nameof(gradient), $"[{batch}, {k}]");
        var probabilities = new double[k];
        var difference = new double[k];
        var g = new double[k];
        double[] below = new double[tree.Nodes], above = new double[tree.Nodes];
        for (int s = 0; s < batch; s++)
        {
            Logits.Softmax(logits.Slice(s * k, k), probabilities, s);
            double sumQ = 0;
            for (int c = 0; c < k; c++)
            {
                float t = targets[s * k + c];
                if (!(float.IsFinite(t) && t >= 0)) throw new ArgumentException($"targets[{s * k + c}] (sample {s}, class {c}) is {t}; masses must be finite and nonnegative.", nameof(targets));
                sumQ += t;
            }
            if (!(sumQ > 0)) throw new ArgumentException($"The target of sample {s} is all zero; it needs mass.", nameof(targets));
            for (int c = 0; c < k; c++) difference[c] = probabilities[c] - targets[s * k + c] / sumQ;
            losses[s] = Forward(tree, rho, difference, below);
            if (gradient.IsEmpty) continue;
            Backward(tree, rho, below, above, g);
            double mean = 0;
            for (int c = 0; c < k; c++) mean += probabilities[c] * g[c];
            for (int c = 0; c < k; c++) gradient[s * k + c] = (float)(probabilities[c] * (g[c] - mean));
        }
    }

    /// <summary>The mass difference below every node (children first), and the loss.</summary>
    private static double Forward(LabelTree tree, double rho, double[] difference, double[] below)
    {
        Array.Clear(below);
        for (int c = 0; c < difference.Length; c++) below[tree.ClassNodes[c]] = difference[c];
        double loss = 0;
        foreach (int v in tree.BottomUp)
        {
            int parent = tree.Parents[v];
            if (parent < 0) continue;
            below[parent] += below[v];
            double phi = Math.Abs(below[v]);
            loss += tree.Weights[v] * (rho == 1 ? phi : Math.Pow(phi, rho));
        }
        return loss;
    }

    /// <summary>g_c = the sum over the edges above class c's node of rho w_e sign(phi_e) |phi_e|^(rho-1),
    /// accumulated from the root down into above (scratch of one per node, every entry written).</summary>
    private static void Backward(LabelTree tree, double rho, double[] below, double[] above, Span<double> g)
    {
        above[tree.Root] = 0;
        foreach (int v in tree.TopDown)
        {
            int parent = tree.Parents[v];
            if (parent < 0) continue;
            double phi = below[v];
            double slope = rho == 1 ? Math.Sign(phi) : rho * Math.Sign(phi) * Math.Pow(Math.Abs(phi), rho - 1);
            above[v] = above[parent] + tree.Weights[v] * slope;
        }
        for (int c = 0; c < g.Length; c++) g[c] = above[tree.ClassNodes[c]];
    }

    private static void ThrowIfBadRho(double rho)
    {
        if (!(rho >= 1 && double.IsFinite(rho))) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be at least 1 and finite (HEMD^rho is convex there).");
    }
}
