// All squared Euclidean distances between two sets of vectors: the nearest-neighbour
// queries of an embedding (DWE's "Pairwise" throughput, kNN retrieval).
using OtKernels.Accelerators;
using OtKernels.Geometry.Device;

namespace OtKernels.Geometry;

/// <summary>All squared Euclidean distances between two sets of vectors, on the CPU or an accelerator.</summary>
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
        float[] uu = u.ToArray(), vv = v.ToArray();
        return accelerator.Run("PairwiseDistances.SquaredEuclidean (PairwiseDistancesKernel.SquaredEuclidean)",
            () => OnCpu(uu, vv, p, q, dimension, distances),
            device =>
            {
                PairwiseDistancesKernel.Compute(device, uu, vv, p, q, dimension, distances);
                return distances;
            });
    }

    private static float[] OnCpu(float[] uu, float[] vv, int p, int q, int dimension, float[] distances)
    {
        // Rows in parallel; each entry a SIMD sum of squared differences (exact zeros for equal rows).
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
