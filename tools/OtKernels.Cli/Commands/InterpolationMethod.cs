// The --method of the commands that interpolate between two images (interpolate, dwe
// interpolate): the name a user types, mapped to the frames of that method.
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;

namespace OtKernels.Cli.Commands;

internal static class InterpolationMethod
{
    /// <summary>The frames at times from a to b on grid by method name (l2, exact, bregman,
    /// convolutional; eps for the last two).</summary>
    public static double[][] Frames(string name, double[] a, double[] b, double[] times, ImageGridCost grid, double eps)
    {
        using var cpu = new CpuAccelerator();
        return name switch
        {
            "l2" => times.Select(t => a.Zip(b, (x, y) => (1 - t) * x + t * y).ToArray()).ToArray(),
            "exact" => DisplacementInterpolation.Interpolate(a, b, grid.Height, grid.Width, times),
            "bregman" or "convolutional" => times.Select(t => t == 0 ? a : t == 1 ? b :
                BarycenterMethod.Solve(name, grid, [.. a, .. b], [1 - t, t], new BarycenterOptions { Epsilon = eps }, cpu).Barycenter).ToArray(),
            _ => throw new ArgumentException($"--method {name}: use l2, exact, bregman or convolutional."),
        };
    }
}
