// Bregman barycenters on an accelerator: Barycenter.Bregman's iteration on a CpuAccelerator,
// and on a device the kernels barycenter_step (one work-group per input: its two soft-mins
// against the shared cost, C and C^T in global memory) and barycenter_mean (per pixel: the
// weighted geometric mean and, on check iterations, the spread of POT's stopping rule), in
// float32, in the log domain (options.Domain Kernel is refused). Same options, same
// stopping rule, same result type.
using OtKernels.Accelerators;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

public static partial class Barycenter
{
    /// <summary>Barycenter.Bregman on the given accelerator.</summary>
    public static BarycenterResult Bregman(Accelerator accelerator, GroundCost cost, ReadOnlySpan<double> histograms, ReadOnlySpan<double> weights,
        BarycenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (accelerator is not DeviceAccelerator device) return Bregman(cost, histograms, weights, options);
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Domain == BarycenterDomain.Kernel)
            throw new ArgumentException($"The device kernels run in the log domain; options.Domain Kernel is for the CPU on image grids.", nameof(options));
        int n = cost.Rows, m = cost.Cols;
        float[] a = Array.ConvertAll(Normalised(histograms, n, out int count), v => (float)v);
        float[] lambda = Array.ConvertAll(Weights(weights, count), v => (float)v);
        float eps = (float)options.Epsilon;

        using DeviceDenseCost shared = DeviceDenseCost.Upload(device, cost);
        using DeviceBuffer<float> da = device.Upload<float>(a), dl = device.Upload<float>(lambda);
        using DeviceBuffer<float> g = device.Allocate<float>((long)count * m), f = device.Allocate<float>((long)count * n);
        using DeviceBuffer<float> logKu = device.Allocate<float>((long)count * m), logBar = device.Allocate<float>(m), spread = device.Allocate<float>(m);
        var spreads = new float[m];
        double error = double.NaN;
        int iteration = 0;
        var status = SinkhornStatus.MaxIterations;
        for (; iteration < options.MaxIterations; iteration++)
        {
            SinkhornKernels.BarycenterStep(device, count, n, m, shared, da, eps, iteration == 0, logBar, g, f, logKu);
            bool check = iteration % options.CheckEvery == 1 % options.CheckEvery;
            SinkhornKernels.BarycenterMean(device, count, m, logKu, g, dl, logBar, check ? spread : null);
            if (!check) continue;
            spread.Download(spreads);
            error = 0;
            foreach (float s in spreads) error += s;
            if (!double.IsFinite(error)) { status = SinkhornStatus.Diverged; break; }
            if (error < options.Tolerance) { status = SinkhornStatus.Converged; break; }
        }
        float[] log = logBar.ToArray();
        return new BarycenterResult(Array.ConvertAll(log, v => Math.Exp(v)), Math.Min(iteration + 1, options.MaxIterations), error, status, BarycenterDomain.Log);
    }
}
