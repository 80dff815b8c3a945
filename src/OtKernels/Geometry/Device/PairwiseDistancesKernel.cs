// The device kernel of PairwiseDistances.SquaredEuclidean, in C# for ILGPU (one source for
// CUDA, OpenCL 2.0+ and ILGPU's CPU accelerator).
// Layout: group g of 16 x 16 threads computes the 16 x 16 tile of D at rows 16 (g / tilesQ)
// and columns 16 (g mod tilesQ). Each pass stages a 16-coordinate slice of the tile's 16
// rows of u and 16 rows of v in shared memory, padded to 17 floats per row so that the
// threads of a warp, reading column kk of 16 different rows, hit 16 different banks. The
// first barrier makes the slice visible before use; the second keeps the next pass from
// overwriting it while a slower thread still reads it. Differences, not |u|^2 + |v|^2 -
// 2 u.v: exact zeros for equal rows and no cancellation (as the CPU code).
using ILGPU;
using ILGPU.Runtime;
using OtKernels.Accelerators;

namespace OtKernels.Geometry.Device;

internal static class PairwiseDistancesKernel
{
    public const int Tile = 16;
    public const int GroupSize = Tile * Tile;

    /// <summary>Shared floats per group: two 16 x 17 tiles.</summary>
    public const int SharedFloats = 2 * Tile * (Tile + 1);

    /// <summary>D [p, q] with D_ij = |u_i - v_j|^2 (PairwiseDistances.SquaredEuclidean's twin).</summary>
    public static void SquaredEuclidean(ArrayView<float> u, ArrayView<float> v, int p, int q, int d, int tilesQ, ArrayView<float> distances)
    {
        ArrayView<float> tileU = SharedMemory.Allocate<float>(Tile * (Tile + 1));
        ArrayView<float> tileV = SharedMemory.Allocate<float>(Tile * (Tile + 1));
        int row0 = Grid.IdxX / tilesQ * Tile, col0 = Grid.IdxX % tilesQ * Tile;
        int ty = Group.IdxX / Tile, tx = Group.IdxX % Tile;
        float sum = 0;
        for (int k0 = 0; k0 < d; k0 += Tile)
        {
            int k = k0 + tx;
            tileU[ty * (Tile + 1) + tx] = row0 + ty < p && k < d ? u[(long)(row0 + ty) * d + k] : 0f;
            tileV[ty * (Tile + 1) + tx] = col0 + ty < q && k < d ? v[(long)(col0 + ty) * d + k] : 0f;
            Group.Barrier();
            for (int kk = 0; kk < Tile; kk++)
            {
                float t = tileU[ty * (Tile + 1) + kk] - tileV[tx * (Tile + 1) + kk];
                sum += t * t;
            }
            Group.Barrier();
        }
        if (row0 + ty < p && col0 + tx < q) distances[(long)(row0 + ty) * q + col0 + tx] = sum;
    }

    /// <summary>D [p, q] of u [p, d] and v [q, d] on a device, written into distances.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The device's groups are smaller than a tile.</exception>
    public static void Compute(DeviceAccelerator device, float[] u, float[] v, int p, int q, int d, float[] distances)
    {
        if (device.MaxGroupSize < GroupSize)
            throw new ArgumentOutOfRangeException(nameof(device), device.MaxGroupSize,
                $"{device.Name} runs at most {device.MaxGroupSize} threads per group; the distance tiles need {GroupSize}.");
        int tilesQ = (q + Tile - 1) / Tile;
        int groups = checked((p + Tile - 1) / Tile * tilesQ);
        using DeviceBuffers buffers = device.Buffers();
        var du = buffers.Upload(u, "u");
        var dv = buffers.Upload(v, "v");
        var dd = buffers.Allocate(distances.Length, "the distances");
        var kernel = device.Device.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int, int, ArrayView<float>>(SquaredEuclidean);
        kernel(new KernelConfig(groups, GroupSize), du.View, dv.View, p, q, d, tilesQ, dd.View);
        device.Synchronize();
        dd.CopyToCPU(distances);
    }
}
