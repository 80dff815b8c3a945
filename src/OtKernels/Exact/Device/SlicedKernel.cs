// Sliced Wasserstein on a device, in ILGPU C#: one group per (pair k, direction l). The
// group projects both clouds on theta_l, sorts each side's positions with their masses by a
// bitonic network in shared memory (padded to a power of two with +inf positions of zero
// mass, which sort last and carry nothing), and one thread walks the two sorted quantile
// functions (Emd1D.Merge's walk, in float) to W_p^p. The source's original indices ride
// along in the sort, so that the walk can also write the slopes dW_p^p/d(theta . x_i) of the
// line's plan (Emd1D.Merge's gradient) for a gradient run. The mean or max over the
// directions, the root and the chain rule back through theta are taken on the host
// (SlicedWasserstein.DistanceBatch's accelerator overload).
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using OtKernels.Accelerators;

namespace OtKernels.Exact.Device;

/// <summary>The launch's shapes and exponent.</summary>
internal readonly struct SlicedParameters(int n, int m, int dimension, int directions, int padded, float p)
{
    public readonly int N = n, M = m, Dimension = dimension, Directions = directions, Padded = padded;
    public readonly float P = p;
}

internal static class SlicedKernel
{
    /// <summary>Shared floats per group: positions and masses of both sides and the source's
    /// original indices (as floats, exact below 2^24), padded.</summary>
    public static int WorkFloats(int padded) => 5 * padded;

    /// <summary>Group g = k L + l: W_p^p of pair k along direction l into values [B, L] and,
    /// unless slopes is empty, dW_p^p/d(theta_l . x_ki) into slopes [B, L, n].</summary>
    public static void Lines(ArrayView<float> x, ArrayView<float> y, ArrayView<float> a, ArrayView<float> b, ArrayView<float> theta,
        SlicedParameters p, ArrayView<float> values, ArrayView<float> slopes)
    {
        int n = p.N, m = p.M, d = p.Dimension, size = p.Padded;
        long k = Grid.IdxX / p.Directions;
        int l = Grid.IdxX % p.Directions;
        bool gradient = slopes.Length > 0;
        ArrayView<float> work = SharedMemory.GetDynamic<float>();
        ArrayView<float> xs = work.SubView(0, size), wa = work.SubView(size, size), ys = work.SubView(2 * size, size), wb = work.SubView(3 * size, size);
        ArrayView<float> index = work.SubView(4 * size, size);
        for (int i = Group.IdxX; i < size; i += Group.DimX)
        {
            xs[i] = i < n ? Project(x, (k * n + i) * d, theta, l * d, d) : float.PositiveInfinity;
            wa[i] = i < n ? a[k * n + i] : 0;
            index[i] = i;
            ys[i] = i < m ? Project(y, (k * m + i) * d, theta, l * d, d) : float.PositiveInfinity;
            wb[i] = i < m ? b[k * m + i] : 0;
        }
        if (gradient)
            for (int i = Group.IdxX; i < n; i += Group.DimX) slopes[(long)Grid.IdxX * n + i] = 0;
        Group.Barrier();
        BitonicSort(xs, wa, index, size);
        BitonicSort(ys, wb, ArrayView<float>.Empty, size);
        if (Group.IdxX != 0) return;
        // Emd1D.Merge: move the smaller remaining mass, advance the exhausted side(s).
        int s = 0, t = 0;
        float leftA = wa[0], leftB = wb[0], cost = 0;
        while (s < n && t < m)
        {
            float moved = XMath.Min(leftA, leftB), difference = xs[s] - ys[t], distance = XMath.Abs(difference);
            cost += moved * (p.P == 1 ? distance : p.P == 2 ? distance * distance : XMath.Pow(distance, p.P));
            if (gradient && moved > 0 && difference != 0)
            {
                float slope = moved * p.P * (p.P == 1 ? 1 : p.P == 2 ? distance : XMath.Pow(distance, p.P - 1));
                slopes[(long)Grid.IdxX * n + (int)index[s]] += difference > 0 ? slope : -slope;
            }
            leftA -= moved;
            leftB -= moved;
            if (leftA <= 0 && ++s < n) leftA = wa[s];
            if (leftB <= 0 && ++t < m) leftB = wb[t];
        }
        values[Grid.IdxX] = cost;
    }

    private static float Project(ArrayView<float> points, long at, ArrayView<float> theta, int thetaAt, int d)
    {
        float dot = 0;
        for (int c = 0; c < d; c++) dot += points[at + c] * theta[thetaAt + c];
        return dot;
    }

    /// <summary>Sorts keys ascending, carrying items (and others, unless empty), over size (a
    /// power of two) entries: the bitonic network, one compare-exchange per thread and stage,
    /// a barrier between stages.</summary>
    private static void BitonicSort(ArrayView<float> keys, ArrayView<float> items, ArrayView<float> others, int size)
    {
        for (int block = 2; block <= size; block <<= 1)
        {
            for (int stride = block >> 1; stride > 0; stride >>= 1)
            {
                for (int i = Group.IdxX; i < size; i += Group.DimX)
                {
                    int partner = i ^ stride;
                    if (partner <= i) continue;
                    bool ascending = (i & block) == 0;
                    float ki = keys[i], kp = keys[partner];
                    if (ki > kp == ascending)
                    {
                        keys[i] = kp;
                        keys[partner] = ki;
                        Swap(items, i, partner);
                        if (others.Length > 0) Swap(others, i, partner);
                    }
                }
                Group.Barrier();
            }
        }
    }

    private static void Swap(ArrayView<float> values, int i, int j)
    {
        float v = values[i];
        values[i] = values[j];
        values[j] = v;
    }

    /// <summary>The sorting width, the power of two at or above the larger cloud, checked
    /// against a group's shared memory (testable without a device).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Clouds too large for one group.</exception>
    public static int Padded(int n, int m, long sharedMemoryBytes, string device)
    {
        int padded = 1;
        while (padded < Math.Max(n, m)) padded <<= 1;
        if ((long)WorkFloats(padded) * sizeof(float) > sharedMemoryBytes)
            throw new ArgumentOutOfRangeException("x", Math.Max(n, m),
                $"Clouds of {Math.Max(n, m)} points need {WorkFloats(padded) * sizeof(float)} bytes of shared memory per group; {device} has {sharedMemoryBytes}.");
        return padded;
    }

    /// <summary>W_p^p [batch, L] of every pair and direction, on the device, and for a
    /// gradient run the slopes [batch, L, n] (else empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Clouds too large for one group's shared memory.</exception>
    public static (float[] Values, float[] Slopes) Run(DeviceAccelerator device, float[] x, float[] y, float[] a, float[] b, float[] theta, int batch, int n, int m,
        int d, float p, bool gradient)
    {
        int directions = theta.Length / d, padded = Padded(n, m, device.SharedMemoryBytes, device.Name);
        int group = Math.Min(device.MaxGroupSize, Math.Max(32, padded / 2));
        using DeviceBuffers buffers = device.Buffers();
        var values = buffers.Allocate((long)batch * directions, "the values per direction");
        var slopes = buffers.Allocate(gradient ? (long)batch * directions * n : 0, "the slopes per direction");
        var kernel = device.Device.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            SlicedParameters, ArrayView<float>, ArrayView<float>>(Lines);
        kernel(new KernelConfig(batch * directions, group, SharedMemoryConfig.RequestDynamic<float>(WorkFloats(padded))),
            buffers.Upload(x, "the points x").View, buffers.Upload(y, "the points y").View, buffers.Upload(a, "the weights a").View,
            buffers.Upload(b, "the weights b").View, buffers.Upload(theta, "the directions").View, new SlicedParameters(n, m, d, directions, padded, p), values.View,
            gradient ? slopes.View : ArrayView<float>.Empty);
        return (values.GetAsArray1D(), gradient ? slopes.GetAsArray1D() : []);
    }
}
