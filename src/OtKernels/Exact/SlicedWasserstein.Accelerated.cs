// Sliced Wasserstein batches on an accelerator: the CPU batch on a CpuAccelerator, and on a
// device the kernel of Device/SlicedKernel.cs (float32, one group per pair and direction),
// whose per-direction W_p^p the host averages (or maximises) and roots, and whose
// per-direction slopes it takes back through the directions for the gradient (LineBuffers'
// chain rule). The masses are validated, to float's precision, and b rescaled to a's mass
// per problem on the host for both paths.
using OtKernels.Accelerators;
using OtKernels.Exact.Device;

namespace OtKernels.Exact;

public static partial class SlicedWasserstein
{
    /// <summary>SW_p (or max-sliced W_p) of each pair, in float: a [batch, n] on x [batch, n,
    /// dimension], b [batch, m] on y [batch, m, dimension], over the directions [L, dimension].</summary>
    /// <param name="gradientX">If not empty ([batch, n, dimension]), receives each problem's dSW/dx.</param>
    /// <exception cref="ArgumentException">As the CPU batch.</exception>
    /// <exception cref="ArgumentOutOfRangeException">On a device, clouds too large for a group's shared memory.</exception>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static double[] DistanceBatch(Accelerator accelerator, int batch, ReadOnlyMemory<float> a, ReadOnlyMemory<float> b, ReadOnlyMemory<float> x,
        ReadOnlyMemory<float> y, int dimension, ReadOnlyMemory<float> projections, double p = 2, bool max = false, Memory<float> gradientX = default)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        double[] Wide(ReadOnlyMemory<float> values) => Array.ConvertAll(values.ToArray(), v => (double)v);
        double[] ad = Wide(a), bd = Wide(b), xd = Wide(x), yd = Wide(y), theta = Wide(projections);
        (int n, int m, int count) = ValidateBatch(batch, a.Length, b.Length, x.Length, y.Length, dimension, projections.Length, p);
        bool gradient = !gradientX.IsEmpty;
        if (gradient) ThrowHelper.ThrowIfLengthMismatch(gradientX.Length, x.Length, nameof(gradientX), "x");
        // Float masses agree only to float's precision: (n + m) 2^-24 relative, as float files
        // are read (ProblemInputs); b is then rescaled to a's mass in double.
        double tolerance = Math.Max(EmdOptions.Default.MassTolerance, (n + m) * Math.ScaleB(1.0, -24));
        BatchErrors.For(batch, 1, k =>
        {
            double scale = MassBalance.Scales(ad.AsSpan(k * n, n), bd.AsSpan(k * m, m), tolerance, normalize: false, nameof(a), nameof(b)).ScaleB;
            for (int j = 0; j < m; j++) bd[k * m + j] *= scale;
        });
        var gradientWide = new double[gradient ? x.Length : 0];
        double[] values = accelerator.Run("SlicedWasserstein.DistanceBatch (SlicedKernel.Lines)",
            () => DistanceBatch(batch, ad, bd, xd, yd, dimension, theta, p, max, gradientWide),
            device =>
            {
                ThrowHelper.ThrowIfNotFinite(xd, nameof(x));
                ThrowHelper.ThrowIfNotFinite(yd, nameof(y));
                ThrowHelper.ThrowIfNotFinite(theta, nameof(projections));
                (float[] lines, float[] slopes) = SlicedKernel.Run(device, x.ToArray(), y.ToArray(), a.ToArray(), Array.ConvertAll(bd, v => (float)v),
                    projections.ToArray(), batch, n, m, dimension, (float)p, gradient);
                var distances = new double[batch];
                var slope = new double[n];
                for (int k = 0; k < batch; k++)
                {
                    int best = 0;
                    double sum = 0;
                    for (int l = 0; l < count; l++)
                    {
                        sum += lines[k * count + l];
                        if (lines[k * count + l] > lines[k * count + best]) best = l;
                    }
                    double value = max ? lines[k * count + best] : sum / count;
                    distances[k] = Math.Pow(value, 1 / p);
                    if (!gradient || !(value > 0)) continue;
                    // LineBuffers.Distance's chain rule: back through theta, the mean (or the max) and the root.
                    for (int l = max ? best : 0; l < (max ? best + 1 : count); l++)
                    {
                        for (int i = 0; i < n; i++) slope[i] = slopes[((long)k * count + l) * n + i];
                        AddBack(slope, theta.AsSpan(l * dimension, dimension), distances[k] / (p * value * (max ? 1 : count)),
                            gradientWide.AsSpan(k * n * dimension, n * dimension));
                    }
                }
                return distances;
            });
        for (int e = 0; e < gradientWide.Length; e++) gradientX.Span[e] = (float)gradientWide[e];
        return values;
    }
}
