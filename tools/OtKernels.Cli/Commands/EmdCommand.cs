// otk emd: exact OT between two measures read from .npy/.csv files.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class EmdCommand
{
    public static Command Create()
    {
        var inputs = new ProblemInputs();
        var normalize = new Option<bool>("--normalize") { Description = "Divide a and b by their sums (accepts unequal masses)." };
        var maxIterations = new Option<int>("--max-iterations") { Description = "Pivot limit.", DefaultValueFactory = _ => EmdOptions.Default.MaxIterations };
        var plan = new Option<FileInfo?>("--plan") { Description = "Write the dense n x m plan to this .npy file." };
        var duals = new Option<string?>("--duals") { Description = "Write the potentials to PREFIX_u.npy and PREFIX_v.npy." };

        var command = new Command("emd", "Exact optimal transport (network simplex); prints {cost, iterations, status} as JSON.")
        {
            normalize, maxIterations, plan, duals,
        };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            (double[] wa, double[] wb, GroundCost ground) = inputs.Read(parse);
            var options = new EmdOptions { Normalize = parse.GetValue(normalize), MaxIterations = parse.GetValue(maxIterations) };
            EmdResult result = NetworkSimplex.Solve(wa, wb, ground, options);

            if (parse.GetValue(plan) is { } planFile) Npy.Write(planFile.FullName, result.Plan.ToDense(wa.Length, wb.Length), wa.Length, wb.Length);
            if (parse.GetValue(duals) is { } prefix)
            {
                Npy.Write(prefix + "_u.npy", result.U, result.U.Length);
                Npy.Write(prefix + "_v.npy", result.V, result.V.Length);
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                cost = result.Cost,
                iterations = result.Iterations,
                status = result.Status.ToString(),
            }));
            return result.Status == EmdStatus.Optimal ? 0 : 1;
        }));
        return command;
    }
}
