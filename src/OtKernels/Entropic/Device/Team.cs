// A team: a contiguous run of a group's threads that solves one problem, so that small
// problems share a group (issue 15: 32 problems of 16 points in a group of 256 threads, 8
// lanes each, leave no lane idle) and a large one has the group to itself. Threads stride over a
// problem's outputs by the team's size; the group's barriers are shared by every team, so
// each team takes part in every barrier even when its own problem has finished.
using ILGPU;

namespace OtKernels.Entropic.Device;

internal readonly struct Team(int lane, int size)
{
    /// <summary>This thread's place in its team, 0 .. Size - 1.</summary>
    public readonly int Lane = lane;

    public readonly int Size = size;

    /// <summary>The whole group as one team (the kernels that solve one problem per group).</summary>
    public static Team WholeGroup => new(Group.IdxX, Group.DimX);

    /// <summary>This thread's team when the group is cut into teams of size threads.</summary>
    public static Team OfSize(int size) => new(Group.IdxX % size, size);

    /// <summary>Which team of the group this thread belongs to.</summary>
    public int Index => Group.IdxX / Size;
}
