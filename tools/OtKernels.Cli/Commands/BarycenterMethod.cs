// The --method of the commands that compute barycenters (barycenter, interpolate): the name
// a user types, mapped to the solver.
using OtKernels.Accelerators;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtKernels.Cli.Commands;

internal static class BarycenterMethod
{
    /// <summary>The barycenter by method; bregman on the accelerator (the convolutional solver
    /// is CPU code).</summary>
    public static BarycenterResult Solve(string method, ImageGridCost grid, double[] histograms, double[] weights, BarycenterOptions options,
        Accelerator accelerator) => method switch
        {
            "bregman" => Barycenter.Bregman(accelerator, histograms, weights, grid, options),
            "convolutional" => Barycenter.Convolutional(histograms, weights, grid, options),
            _ => throw new ArgumentException($"--method {method}: use bregman or convolutional."),
        };
}
