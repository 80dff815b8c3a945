// The device kernel of PairwiseDistances.SquaredEuclidean, in C# for ILGPU (one source for
// CUDA, OpenCL 2.0+ and ILGPU's CPU accelerator); the port of Kernels/distances.cl, which it
// replaces once the device runtime moves to ILGPU (issue 15).
// Layout: group g of 16 x 16 threads computes the 16 x 16 tile of D at rows 16 (g / tilesQ)
// and columns 16 (g mod tilesQ). Each pass stages a 16-coordinate slice of the tile's 16
// rows of u and 16 rows of v in shared memory, padded to 17 floats per row so that the
// threads of a warp, reading column kk of 16 different rows, hit 16 different banks. The
// first barrier makes the slice visible before use; the second keeps the next pass from
// overwriting it while a slower thread still reads it. Differences, not |u|^2 + |v|^2 -
// 2 u.v: exact zeros for equal rows and no cancellation (as the CPU code).
using ILGPU;
using ILGPU.Runtime;

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

    /// <summary>Launches the kernel over device-resident u [p, d] and v [q, d] into distances
    /// [p, q] and waits for it.</summary>
    public static void Launch(ILGPU.Runtime.Accelerator accelerator, ArrayView<float> u, ArrayView<float> v, int p, int q, int d, ArrayView<float> distances)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (accelerator.MaxNumThreadsPerGroup < GroupSize)
            throw new ArgumentOutOfRangeException(nameof(accelerator), accelerator.MaxNumThreadsPerGroup,
                $"{accelerator.Name} runs at most {accelerator.MaxNumThreadsPerGroup} threads per group; the distance tiles need {GroupSize}.");
        int tilesQ = (q + Tile - 1) / Tile;
        int groups = checked((p + Tile - 1) / Tile * tilesQ);
        var kernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int, int, ArrayView<float>>(SquaredEuclidean);
        kernel(new KernelConfig(groups, GroupSize), u, v, p, q, d, tilesQ, distances);
        accelerator.Synchronize();
    }
}
