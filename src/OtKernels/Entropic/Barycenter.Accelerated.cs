// Bregman barycenters on an accelerator: Barycenter.Bregman's iteration on the CPU, and on a
// device the kernels of Device/BarycenterKernel.cs (one group per input: its two soft-mins
// against the shared cost; one thread per pixel: the weighted geometric mean and, on check
// iterations, the spread of POT's stopping rule), in float32 and in the log domain
// (options.Domain Kernel is refused there). Same options, same stopping rule, same result.
using OtKernels.Accelerators;
using OtKernels.Entropic.Device;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

/// <summary>Fixed-support Wasserstein barycenters of histograms: Bregman projections in the log domain (any geometry, also on an accelerator) and convolutional barycenters on image grids, with POT's iteration and stopping rule.</summary>
public static partial class Barycenter
{
    /// <summary>Barycenter.Bregman on the given accelerator.</summary>
    public static BarycenterResult Bregman(Accelerator accelerator, ReadOnlySpan<double> histograms, ReadOnlySpan<double> weights, GroundCost cost,
        BarycenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        double[] h = histograms.ToArray(), w = weights.ToArray();
        return accelerator.Run("Barycenter.Bregman (BarycenterKernel.Step, BarycenterKernel.Mean)",
            () => Bregman(h, w, cost, options),
            device =>
            {
                float[] a = Array.ConvertAll(Normalised(h, cost.Rows, out int count), v => (float)v);
                float[] lambda = Array.ConvertAll(Weights(w, count), v => (float)v);
                return BarycenterKernel.Bregman(device, cost, a, lambda, options);
            });
    }
}
