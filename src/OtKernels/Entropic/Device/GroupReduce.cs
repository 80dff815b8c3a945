// Reductions over the threads of one group for the ILGPU kernels: a tree in shared memory
// (red, one float per thread), log2(size) barriers, any group size, the result on every
// thread. A call is a barrier for the whole group: every thread must reach it.
using ILGPU;
using ILGPU.Algorithms;

namespace OtKernels.Entropic.Device;

internal static class GroupReduce
{
    public static float Sum(float v, ArrayView<float> red)
    {
        int lid = Group.IdxX, size = Group.DimX;
        red[lid] = v;
        Group.Barrier();
        for (int s = 1; s < size; s <<= 1)
        {
            if ((lid & (2 * s - 1)) == 0 && lid + s < size) red[lid] += red[lid + s];
            Group.Barrier();
        }
        float total = red[0];
        Group.Barrier();
        return total;
    }

    public static float Max(float v, ArrayView<float> red)
    {
        int lid = Group.IdxX, size = Group.DimX;
        red[lid] = v;
        Group.Barrier();
        for (int s = 1; s < size; s <<= 1)
        {
            if ((lid & (2 * s - 1)) == 0 && lid + s < size) red[lid] = XMath.Max(red[lid], red[lid + s]);
            Group.Barrier();
        }
        float total = red[0];
        Group.Barrier();
        return total;
    }
}
