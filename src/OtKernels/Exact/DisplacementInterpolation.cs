// McCann's displacement interpolation between two images, exactly: the W2 geodesic
// mu_t = ((1 - t) x + t y)_# P* pushes the optimal plan P* (here the network simplex's,
// at most n + m - 1 atoms) along straight lines, so each atom (i, j, mass) sits at
// (1 - t) x_i + t y_j at time t. On the grid an atom between pixel centres is split
// bilinearly over its four neighbours (the "LP" interpolation of Courty et al. 2018, Fig. 6).
// mu_0 = a and mu_1 = b exactly (atoms sit on pixel centres there); in between, splatting
// keeps the mass and the mean and adds at most the variance of a two-point split per axis,
// frac (1 - frac) <= 1/4 px^2, to W2^2 (see the tests).
using OtKernels.Geometry;

namespace OtKernels.Exact;

/// <summary>McCann's displacement interpolation between two images along their exact optimal plan.</summary>
public static class DisplacementInterpolation
{
    /// <summary>The interpolants at each time in times (0..1) between images a and b
    /// (height x width, nonnegative, normalised here) on the pixel grid.</summary>
    /// <exception cref="ArgumentException">Bad images (see NetworkSimplex.Solve) or a time outside [0, 1].</exception>
    public static double[][] Interpolate(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int height, int width, ReadOnlySpan<double> times,
        EmdOptions? options = null)
    {
        for (int k = 0; k < times.Length; k++)
            if (!(times[k] >= 0 && times[k] <= 1))
                throw new ArgumentException($"times[{k}] is {times[k]}; interpolation times lie in [0, 1].", nameof(times));
        var grid = new ImageGridCost(height, width);
        ThrowHelper.ThrowIfLengthMismatch(a.Length, grid.Rows, nameof(a), $"{height} x {width}");
        ThrowHelper.ThrowIfLengthMismatch(b.Length, grid.Cols, nameof(b), $"{height} x {width}");
        double massA = ThrowHelper.ValidateMasses(a, nameof(a)), massB = ThrowHelper.ValidateMasses(b, nameof(b));
        var na = new double[a.Length];
        var nb = new double[b.Length];
        for (int i = 0; i < a.Length; i++) na[i] = a[i] / massA;
        for (int j = 0; j < b.Length; j++) nb[j] = b[j] / massB;
        EmdResult r = NetworkSimplex.Solve(na, nb, grid, options);
        if (r.Status != EmdStatus.Optimal)
            throw new InvalidOperationException($"The network simplex stopped with {r.Status}; raise EmdOptions.MaxIterations.");
        var frames = new double[times.Length][];
        for (int k = 0; k < times.Length; k++) frames[k] = Splat(r.Plan, times[k], height, width);
        return frames;
    }

    /// <summary>Each atom at (1 - t) x_i + t y_j, split bilinearly over the four pixels around it.</summary>
    private static double[] Splat(TransportPlan plan, double t, int height, int width)
    {
        var image = new double[height * width];
        for (int e = 0; e < plan.Count; e++)
        {
            int i = plan.Rows[e], j = plan.Cols[e];
            double row = (1 - t) * (i / width) + t * (j / width), col = (1 - t) * (i % width) + t * (j % width);
            int r0 = (int)Math.Floor(row), c0 = (int)Math.Floor(col);
            double fr = row - r0, fc = col - c0, mass = plan.Mass[e];
            Add(image, width, height, r0, c0, mass * (1 - fr) * (1 - fc));
            Add(image, width, height, r0, c0 + 1, mass * (1 - fr) * fc);
            Add(image, width, height, r0 + 1, c0, mass * fr * (1 - fc));
            Add(image, width, height, r0 + 1, c0 + 1, mass * fr * fc);
        }
        return image;
    }

    /// <summary>Adds a share of mass to a pixel; shares of zero weight may fall just outside.</summary>
    private static void Add(double[] image, int width, int height, int row, int col, double share)
    {
        if (share == 0) return;
        image[Math.Min(row, height - 1) * width + Math.Min(col, width - 1)] += share;
    }
}
