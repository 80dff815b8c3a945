// UnrolledCloudDistance on an accelerator: the CPU code (double) on a CpuAccelerator; on a
// device the point-cloud kernels in float, the cross term OT_eps(x, y) by SinkhornKernel.Clouds
// and SinkhornCloudsUnrolledKernel, each self-term OT_eps(x, x) by the same L averaged steps
// as the CPU's SelfTerm (SinkhornKernel.SelfTerms and SinkhornSelfUnrolledKernel), so that a
// batch's divergences and their gradients take one upload and one download. The device
// computes the Value and Divergence readings with the unrolled gradient, on |x - y|^2 or |x - y|.
using ILGPU.Runtime;
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic.Device;
using OtKernels.Entropic;
using OtKernels.Entropic.Device;
using Accelerator = OtKernels.Accelerators.Accelerator;
using AcceleratorException = OtKernels.Accelerators.AcceleratorException;

namespace OtKernels.Autodiff.Entropic;

public static partial class UnrolledCloudDistance
{
    /// <summary>Compute on an accelerator: the CPU code on a CpuAccelerator, the kernels (float)
    /// on a device.</summary>
    /// <exception cref="ArgumentException">As Compute; on a device also the TransportCost
    /// reading, or gradients with the Envelope gradient, which the kernels do not compute.</exception>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static void Compute(Accelerator accelerator, float[] x, float[] y, int n, int m, int d, EntropicDistanceOptions options,
        double[] distances, double[]? upstream, float[]? gradientX, float[]? gradientY)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ThrowIfBadArguments(x, y, n, m, d, options, distances, upstream, gradientX, gradientY);
        accelerator.Run("UnrolledCloudDistance.Compute (SinkhornKernel.Clouds and SelfTerms, their unrolled reverse kernels)",
            () =>
            {
                Compute(x, y, n, m, d, options, distances, upstream, gradientX, gradientY);
                return 0;
            },
            device =>
            {
                ThrowIfNotOnDevice(options, gradients: upstream is not null);
                OnDevice(device, x, y, n, m, d, options, distances, upstream, gradientX, gradientY);
                return 0;
            });
    }

    /// <summary>SelfValues on an accelerator: the CPU code on a CpuAccelerator, SinkhornKernel.SelfTerms on a device.</summary>
    /// <exception cref="ArgumentException">As SelfValues.</exception>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static void SelfValues(Accelerator accelerator, float[] x, int n, int d, EntropicDistanceOptions options, double[] values)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(values);
        options.Validate();
        ThrowIfNotClouds(x, values.Length, n, nameof(n), d, nameof(x));
        accelerator.Run("UnrolledCloudDistance.SelfValues (SinkhornKernel.SelfTerms)",
            () =>
            {
                SelfValues(x, n, d, options, values);
                return 0;
            },
            device =>
            {
                using DeviceBuffers buffers = device.Buffers();
                int count = values.Length;
                float[] self = SinkhornKernel.LaunchSelfTerms(device, buffers, buffers.Upload(x, "the clouds").View,
                    buffers.Upload(UniformWeights(count, n), "the clouds' weights").View, count, n, d, options.Metric, Unrolled(options), taped: false).Values(count);
                for (int p = 0; p < count; p++) values[p] = self[p];
                return 0;
            });
    }

    /// <summary>Refuses what the kernels do not compute, naming the option.</summary>
    private static void ThrowIfNotOnDevice(EntropicDistanceOptions options, bool gradients)
    {
        if (options.Kind == EntropicDistanceKind.TransportCost)
            throw new ArgumentException("The device kernels compute the Value and Divergence readings, not TransportCost.", nameof(options));
        if (gradients && options.Gradient != EntropicGradient.Unrolled)
            throw new ArgumentException($"The device kernels compute the Unrolled gradient, not {options.Gradient}.", nameof(options));
    }

    /// <summary>The kernels' run of L iterations, as the CPU's Workspace and SelfTerm run them.</summary>
    private static SinkhornOptions Unrolled(EntropicDistanceOptions options) =>
        new() { Epsilon = options.Epsilon, MaxIterations = options.Iterations, Mode = SinkhornMode.Unrolled, Tolerance = 0 };

    private static float[] UniformWeights(int count, int n) => Enumerable.Repeat(1f / n, count * n).ToArray();

    private static void OnDevice(DeviceAccelerator device, float[] x, float[] y, int n, int m, int d, EntropicDistanceOptions options,
        double[] distances, double[]? upstream, float[]? gradientX, float[]? gradientY)
    {
        int pairs = distances.Length;
        bool divergence = options.Kind == EntropicDistanceKind.Divergence;
        SinkhornOptions sinkhorn = Unrolled(options);
        var batch = new PointCloudBatch(pairs, n, m, d, x, y, UniformWeights(pairs, n), UniformWeights(pairs, m), options.Metric);
        using DeviceBuffers buffers = device.Buffers();
        SinkhornKernel.ResidentBatch inputs = SinkhornKernel.ResidentBatch.Upload(buffers, batch);
        float[] selfX = new float[pairs], selfY = new float[pairs];
        if (upstream is null)
        {
            SinkhornKernel.CloudsRun cross = SinkhornKernel.LaunchClouds(device, buffers, inputs, batch, sinkhorn, taped: false);
            if (divergence)
            {
                selfX = SinkhornKernel.LaunchSelfTerms(device, buffers, inputs.X, inputs.A, pairs, n, d, options.Metric, sinkhorn, taped: false).Values(pairs);
                selfY = SinkhornKernel.LaunchSelfTerms(device, buffers, inputs.Y, inputs.B, pairs, m, d, options.Metric, sinkhorn, taped: false).Values(pairs);
            }
            Combine(cross.Download(batch, sinkhorn).Value, selfX, selfY, distances);
            return;
        }
        float[] up = Array.ConvertAll(upstream, v => (float)v);
        (SinkhornKernel.CloudsRun forward, SinkhornCloudsBackwardKernel.Outputs outputs) =
            SinkhornCloudsUnrolledKernel.Launch(device, buffers, inputs, batch, sinkhorn, buffers.Upload(up, "upstream").View);
        float[] gradientA = new float[pairs * n], gradientB = new float[pairs * m];
        if (divergence)
        {
            // Each self-term enters with -1/2: its upstream is -upstream / 2.
            var half = buffers.Upload(Array.ConvertAll(up, v => -0.5f * v), "-upstream / 2").View;
            var (runX, gradX) = SinkhornSelfUnrolledKernel.Launch(device, buffers, inputs.X, inputs.A, pairs, n, d, options.Metric, sinkhorn, half);
            var (runY, gradY) = SinkhornSelfUnrolledKernel.Launch(device, buffers, inputs.Y, inputs.B, pairs, m, d, options.Metric, sinkhorn, half);
            outputs.Download(gradientA, gradientB, gradientX!, gradientY!);
            selfX = runX.Values(pairs);
            selfY = runY.Values(pairs);
            AddInto(gradientX!, gradX.GetAsArray1D());
            AddInto(gradientY!, gradY.GetAsArray1D());
        }
        else outputs.Download(gradientA, gradientB, gradientX!, gradientY!);
        Combine(forward.Download(batch, sinkhorn).Value, selfX, selfY, distances);
    }

    /// <summary>distances = cross - selfX / 2 - selfY / 2 (the self-terms zero for the Value reading).</summary>
    private static void Combine(double[] cross, float[] selfX, float[] selfY, double[] distances)
    {
        for (int p = 0; p < distances.Length; p++) distances[p] = cross[p] - 0.5 * selfX[p] - 0.5 * selfY[p];
    }

    private static void AddInto(float[] into, float[] values)
    {
        for (int i = 0; i < into.Length; i++) into[i] += values[i];
    }
}
