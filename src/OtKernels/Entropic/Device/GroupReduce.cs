// Reductions over the threads of one team for the ILGPU kernels: a tree in the team's slice
// of shared memory (red, one float per thread of the team), log2(size) group barriers, any
// team size, the result on every thread of the team. Every team of a group runs the same
// tree at the same time, so a call is a barrier for the whole group: every thread of the
// group must reach it.
using ILGPU;
using ILGPU.Algorithms;

namespace OtKernels.Entropic.Device;

internal static class GroupReduce
{
    public static float Sum(float v, ArrayView<float> red) => Sum(v, red, Team.WholeGroup);

    public static float Sum(float v, ArrayView<float> red, Team team)
    {
        int lid = team.Lane, size = team.Size;
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

    public static float Max(float v, ArrayView<float> red, Team team)
    {
        int lid = team.Lane, size = team.Size;
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
