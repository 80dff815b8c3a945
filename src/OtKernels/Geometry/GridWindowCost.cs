// The squared Euclidean cost of an image grid between the pixels of two of its windows
// (GridWindow): the problem the Sinkhorn solver actually iterates on when the measures leave
// rows and columns of the grid empty. Pixels outside a window carry no mass, so they change
// neither the plan nor the value; the solver fills their potentials afterwards from the
// whole grid (Sinkhorn.SolveCropped), and those of the pixels inside without mass too, so
// that the soft-min may skip their logs (the flags of which pixels carry mass).
using System.Runtime.CompilerServices;

namespace OtKernels.Geometry;

internal sealed class GridWindowCost : GroundCost
{
    private readonly ImageGridCost _grid;

    private readonly bool[]? _sourceMass, _targetMass;

    /// <summary>The cost between the windows; with flags of which of their pixels carry mass
    /// (compact, arrays at least as long as the windows), the soft-mins may leave outputs of
    /// zero mass at 0.</summary>
    public GridWindowCost(ImageGridCost grid, GridWindow source, GridWindow target, bool[]? sourceMass = null, bool[]? targetMass = null)
        : base(source.Count, target.Count)
    {
        _grid = grid;
        Source = source;
        Target = target;
        (_sourceMass, _targetMass) = (sourceMass, targetMass);
    }

    public GridWindow Source { get; }

    public GridWindow Target { get; }

    public override double this[int i, int j]
    {
        get
        {
            int dr = Source.Top + i / Source.Width - (Target.Top + j / Target.Width);
            int dc = Source.Left + i % Source.Width - (Target.Left + j % Target.Width);
            return _grid.Spacing * _grid.Spacing * (dr * dr + dc * dc);
        }
    }

    /// <summary>The whole grid's largest cost, an upper bound of the windows' own: epsilon
    /// scaling then runs the stages of the uncropped problem, the same for every problem of a
    /// batch, whose Gaussian factors the grid caches.</summary>
    public override double MaxCost() => _grid.MaxCost();

    /// <summary>The grid's separable soft-min, between the windows.</summary>
    internal override bool SoftMinFromStoredKernel => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // as ImageGridCost.SoftMin
    public override void SoftMin<T>(SoftMinAxis axis, T epsilon, ReadOnlySpan<T> h, Span<T> result, SoftMinWorkspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        SoftMinShape(axis, h.Length, result.Length);
        if (axis == SoftMinAxis.OverColumns) _grid.WindowSoftMin(epsilon, h, Target, result, Source, workspace, _sourceMass.AsSpan(0, _sourceMass is null ? 0 : Source.Count));
        else _grid.WindowSoftMin(epsilon, h, Source, result, Target, workspace, _targetMass.AsSpan(0, _targetMass is null ? 0 : Target.Count));
    }
}
