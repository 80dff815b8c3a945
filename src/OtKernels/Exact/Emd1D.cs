// Exact OT on the real line in closed form. For a convex cost |x - y|^p (p >= 1) the
// monotone (sorted) coupling is optimal, so W_p^p = int_0^1 |F_a^-1(t) - F_b^-1(t)|^p dt,
// computed by merging the two sorted quantile functions in O((n + m) log(n + m))
// (Rachev & Rueschendorf 1998; POT's emd_1d). For p = 1 on shared bins this is also
// W1 = sum_i |A_i - B_i| (x_{i+1} - x_i), the L1 distance of the CDFs, whose gradient with
// respect to the histogram is a cumulative sum of signs (Martinez 2016).
namespace OtKernels.Exact;

/// <summary>Closed-form exact OT in one dimension.</summary>
public static class Emd1D
{
    /// <summary>W_p^p = min &lt;P, |x - y|^p&gt; between weighted samples on the line. The
    /// arguments come in the order of every solver: the masses, then the geometry (here the
    /// positions, which make the cost), then the options.</summary>
    /// <param name="a">Masses of the first measure: finite, nonnegative, not all zero.</param>
    /// <param name="b">Masses of the second measure, with the sum of a (see <see cref="EmdOptions"/>).</param>
    /// <param name="xa">Positions of the first measure's masses (any order), finite.</param>
    /// <param name="xb">Positions of the second measure's masses.</param>
    /// <param name="p">The exponent, p &gt;= 1.</param>
    /// <param name="options">Mass handling; <see cref="EmdOptions.Default"/> if null.</param>
    /// <param name="gradientXa">If not empty (length n), receives dW_p^p/dxa_i = sum_j P_ij p
    /// |xa_i - xb_j|^(p-1) sign(xa_i - xb_j) at the monotone plan P (the envelope theorem; at
    /// ties of positions, one subgradient).</param>
    /// <returns>W_p^p, in (unit of x)^p times mass.</returns>
    public static double Cost(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> xa, ReadOnlySpan<double> xb,
        double p = 1, EmdOptions? options = null, Span<double> gradientXa = default)
    {
        options ??= EmdOptions.Default;
        ThrowHelper.ThrowIfLengthMismatch(a.Length, xa.Length, nameof(a), "xa");
        ThrowHelper.ThrowIfLengthMismatch(b.Length, xb.Length, nameof(b), "xb");
        ThrowHelper.ThrowIfNotFinite(xa, nameof(xa));
        ThrowHelper.ThrowIfNotFinite(xb, nameof(xb));
        if (!(p >= 1 && double.IsFinite(p)))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The exponent must be finite and at least 1 (the cost must be convex).");
        (double scaleA, double scaleB) = MassBalance.Scales(a, b, options, nameof(a), nameof(b));
        if (!gradientXa.IsEmpty)
        {
            ThrowHelper.ThrowIfLengthMismatch(gradientXa.Length, xa.Length, nameof(gradientXa), "xa");
            gradientXa.Clear();
        }

        int[] orderA = SortedOrder(xa), orderB = SortedOrder(xb);
        double[] sortedXa = Gather(xa, orderA), sortedXb = Gather(xb, orderB);
        double[] sortedA = Gather(a, orderA, scaleA), sortedB = Gather(b, orderB, scaleB);
        return Merge(sortedXa, sortedA, sortedXb, sortedB, p, orderA, gradientXa);
    }

    /// <summary>W1 between histograms a and b on shared sorted bins:
    /// W1 = sum_{i &lt; n-1} |A_i - B_i| (x_{i+1} - x_i) with A, B the cumulative sums.</summary>
    /// <param name="a">First histogram (finite, nonnegative).</param>
    /// <param name="b">Second histogram, same length and sum.</param>
    /// <param name="positions">Strictly increasing bin positions; null for 0, 1, ..., n-1.</param>
    /// <param name="gradientA">If not empty (length n), receives dW1/da_k =
    /// sum_{i &gt;= k} sign(A_i - B_i)(x_{i+1} - x_i), the gradient of the formula with b fixed;
    /// sign(0) = 0 picks a subgradient. Only its sum-zero part matters on the simplex.</param>
    public static double W1Histogram(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> positions = default,
        Span<double> gradientA = default)
    {
        ThrowHelper.ThrowIfLengthMismatch(b.Length, a.Length, nameof(b), "a");
        (_, double scaleB) = MassBalance.Scales(a, b, EmdOptions.Default);
        int n = a.Length;
        if (!positions.IsEmpty)
        {
            ThrowHelper.ThrowIfLengthMismatch(positions.Length, n, nameof(positions), "a");
            ThrowHelper.ThrowIfNotFinite(positions, nameof(positions));
            for (int i = 1; i < n; i++)
            {
                if (!(positions[i] > positions[i - 1]))
                    throw new ArgumentException($"positions[{i}] = {positions[i]} does not exceed positions[{i - 1}]; bins must be strictly increasing.", nameof(positions));
            }
        }
        if (!gradientA.IsEmpty) ThrowHelper.ThrowIfLengthMismatch(gradientA.Length, n, nameof(gradientA), "a");

        double cdfA = 0, cdfB = 0, w1 = 0;
        for (int i = 0; i < n - 1; i++)
        {
            cdfA += a[i];
            cdfB += b[i] * scaleB;
            double width = positions.IsEmpty ? 1 : positions[i + 1] - positions[i];
            w1 += Math.Abs(cdfA - cdfB) * width;
            if (!gradientA.IsEmpty) gradientA[i] = Math.Sign(cdfA - cdfB) * width;
        }
        if (!gradientA.IsEmpty)
        {
            // d|A_i - B_i|/da_k = sign(A_i - B_i) for every i >= k: a suffix sum.
            gradientA[n - 1] = 0;
            for (int k = n - 2; k >= 0; k--) gradientA[k] += gradientA[k + 1];
        }
        return w1;
    }

    /// <summary>W_p^p of the monotone coupling of two measures given sorted: positions xa
    /// (ascending) with masses wa, xb with wb, of equal sums. Walks both quantile functions
    /// once, moving the smaller remaining mass each step; with a gradient, adds each step's
    /// dW_p^p/dxa to gradientXa at the original index orderA[i].</summary>
    internal static double Merge(ReadOnlySpan<double> xa, ReadOnlySpan<double> wa, ReadOnlySpan<double> xb, ReadOnlySpan<double> wb, double p,
        ReadOnlySpan<int> orderA = default, Span<double> gradientXa = default)
    {
        int i = 0, j = 0;
        double leftA = wa[0], leftB = wb[0], cost = 0;
        while (true)
        {
            double moved = Math.Min(leftA, leftB);
            double difference = xa[i] - xb[j], distance = Math.Abs(difference);
            cost += moved * (p == 1 ? distance : p == 2 ? distance * distance : Math.Pow(distance, p));
            if (!gradientXa.IsEmpty && moved > 0)
                gradientXa[orderA[i]] += moved * p * (p == 1 ? 1 : p == 2 ? distance : Math.Pow(distance, p - 1)) * Math.Sign(difference);
            leftA -= moved;
            leftB -= moved;
            // Advance whichever quantile step is exhausted (both on a tie).
            if (leftA <= 0) { if (++i == xa.Length) break; leftA = wa[i]; }
            if (leftB <= 0) { if (++j == xb.Length) break; leftB = wb[j]; }
        }
        return cost;
    }

    private static double[] Gather(ReadOnlySpan<double> values, int[] order, double scale = 1)
    {
        var gathered = new double[order.Length];
        for (int i = 0; i < order.Length; i++) gathered[i] = values[order[i]] * scale;
        return gathered;
    }

    private static int[] SortedOrder(ReadOnlySpan<double> x)
    {
        var keys = x.ToArray();
        int[] order = Enumerable.Range(0, x.Length).ToArray();
        Array.Sort(keys, order);
        return order;
    }
}
