// All squared Euclidean distances between two sets of vectors: the nearest-neighbour
// queries of an embedding (DWE's "Pairwise" throughput, kNN retrieval).
using OtKernels.Accelerators;

namespace OtKernels.Geometry;

public static class PairwiseDistances
{
    /// <summary>D [p, q] with D_ij = |u_i - v_j|^2 for u [p, d] and v [q, d], row-major.</summary>
    public static float[] SquaredEuclidean(Accelerator accelerator, ReadOnlySpan<float> u, ReadOnlySpan<float> v, int dimension)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (u.Length % dimension != 0) throw new ArgumentException($"u has length {u.Length}, not a multiple of the dimension {dimension}.", nameof(u));
        if (v.Length % dimension != 0) throw new ArgumentException($"v has length {v.Length}, not a multiple of the dimension {dimension}.", nameof(v));
        int p = u.Length / dimension, q = v.Length / dimension;
        var distances = new float[checked(p * q)];
        if (distances.Length == 0) return distances;
        if (accelerator is DeviceAccelerator device)
        {
            using DeviceBuffer<float> du = device.Upload(u), dv = device.Upload(v), dd = device.Allocate<float>(distances.Length);
            SinkhornKernels.PairwiseSquaredDistances(device, du, dv, p, q, dimension, dd);
            dd.Download(distances);
            return distances;
        }
        // Rows in parallel; each entry a SIMD sum of squared differences (exact zeros for equal rows).
        float[] uu = u.ToArray(), vv = v.ToArray();
        Parallel.For(0, p, () => new float[dimension], (i, _, diff) =>
        {
            ReadOnlySpan<float> ui = uu.AsSpan(i * dimension, dimension);
            for (int j = 0; j < q; j++)
            {
                System.Numerics.Tensors.TensorPrimitives.Subtract(ui, vv.AsSpan(j * dimension, dimension), diff);
                distances[i * q + j] = System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(diff);
            }
            return diff;
        }, _ => { });
        return distances;
    }
}
