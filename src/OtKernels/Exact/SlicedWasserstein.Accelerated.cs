// Sliced Wasserstein batches on an accelerator: the CPU batch on a CpuAccelerator, and on a
// device the kernel of Device/SlicedKernel.cs (float32, one group per pair and direction),
// whose per-direction W_p^p the host averages (or maximises) and roots. The masses are
// validated, to float's precision, and b rescaled to a's mass per problem on the host for
// both paths.
using OtKernels.Accelerators;
using OtKernels.Exact.Device;

namespace OtKernels.Exact;

public static partial class SlicedWasserstein
{
    /// <summary>SW_p (or max-sliced W_p) of each pair, in float: a [batch, n] on x [batch, n,
    /// dimension], b [batch, m] on y [batch, m, dimension], over the directions [L, dimension].</summary>
    /// <exception cref="ArgumentException">As the CPU batch.</exception>
    /// <exception cref="ArgumentOutOfRangeException">On a device, clouds too large for a group's shared memory.</exception>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static double[] DistanceBatch(Accelerator accelerator, int batch, ReadOnlyMemory<float> a, ReadOnlyMemory<float> b, ReadOnlyMemory<float> x,
        ReadOnlyMemory<float> y, int dimension, ReadOnlyMemory<float> projections, double p = 2, bool max = false)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        double[] Wide(ReadOnlyMemory<float> values) => Array.ConvertAll(values.ToArray(), v => (double)v);
        double[] ad = Wide(a), bd = Wide(b), xd = Wide(x), yd = Wide(y), theta = Wide(projections);
        (int n, int m, int count) = ValidateBatch(batch, a.Length, b.Length, x.Length, y.Length, dimension, projections.Length, p);
        // Float masses agree only to float's precision: (n + m) 2^-24 relative, as float files
        // are read (ProblemInputs); b is then rescaled to a's mass in double.
        double tolerance = Math.Max(EmdOptions.Default.MassTolerance, (n + m) * Math.ScaleB(1.0, -24));
        BatchErrors.For(batch, 1, k =>
        {
            double scale = MassBalance.Scales(ad.AsSpan(k * n, n), bd.AsSpan(k * m, m), tolerance, normalize: false, nameof(a), nameof(b)).ScaleB;
            for (int j = 0; j < m; j++) bd[k * m + j] *= scale;
        });
        return accelerator.Run("SlicedWasserstein.DistanceBatch (SlicedKernel.Lines)",
            () => DistanceBatch(batch, ad, bd, xd, yd, dimension, theta, p, max),
            device =>
            {
                ThrowHelper.ThrowIfNotFinite(xd, nameof(x));
                ThrowHelper.ThrowIfNotFinite(yd, nameof(y));
                ThrowHelper.ThrowIfNotFinite(theta, nameof(projections));
                float[] lines = SlicedKernel.Run(device, x.ToArray(), y.ToArray(), a.ToArray(), Array.ConvertAll(bd, v => (float)v), projections.ToArray(),
                    batch, n, m, dimension, (float)p);
                var values = new double[batch];
                for (int k = 0; k < batch; k++)
                {
                    double reduced = max ? double.NegativeInfinity : 0;
                    for (int l = 0; l < count; l++) reduced = max ? Math.Max(reduced, lines[k * count + l]) : reduced + lines[k * count + l];
                    values[k] = Math.Pow(max ? reduced : reduced / count, 1 / p);
                }
                return values;
            });
    }
}
