// otk emd: exact OT between two measures read from .npy/.csv files.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Exact;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class EmdCommand
{
    private static readonly JsonSerializerOptions OmitNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Plans with more entries than this (512 MB of doubles) are written sparse.</summary>
    internal const long DensePlanLimit = 1L << 26;

    public static Command Create()
    {
        var inputs = new ProblemInputs();
        var maxIterations = new Option<int>("--max-iterations") { Description = "Pivot limit.", DefaultValueFactory = _ => EmdOptions.Default.MaxIterations };
        var plan = new Option<FileInfo?>("--plan") { Description = "Write the plan to this .npy file: dense n x m, or (nonzeros, 3) rows (i, j, mass) when n m is over 2^26." };
        var duals = new Option<string?>("--duals") { Description = "Write the potentials to PREFIX_u.npy and PREFIX_v.npy." };

        var command = new Command("emd", "Exact optimal transport (network simplex); prints {cost, iterations, status} as JSON.")
        {
            maxIterations, plan, duals,
        };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            (double[] wa, double[] wb, GroundCost ground) = inputs.Read(parse);
            FileInfo? planFile = parse.GetValue(plan);
            string? prefix = parse.GetValue(duals);
            // Outputs are checked before the solve, so a mistyped path costs nothing.
            if (planFile is not null) AtomicFile.CheckTarget(planFile.FullName);
            if (prefix is not null) { AtomicFile.CheckTarget(prefix + "_u.npy"); AtomicFile.CheckTarget(prefix + "_v.npy"); }
            var options = new EmdOptions { MaxIterations = parse.GetValue(maxIterations) };
            EmdResult result = NetworkSimplex.Solve(wa, wb, ground, options);
            bool densePlan = (long)wa.Length * wb.Length <= DensePlanLimit;

            // The result is printed before the files are written: a failed write loses no solve.
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                cost = result.Cost,
                iterations = result.Iterations,
                status = result.Status.ToString(),
                plan_format = planFile is null ? null : densePlan ? "dense" : "coo",
            }, OmitNulls));
            Console.Out.Flush();
            if (planFile is not null)
            {
                if (densePlan) Npy.Write(planFile.FullName, result.Plan.ToDense(wa.Length, wb.Length), wa.Length, wb.Length);
                else
                {
                    Npy.Write(planFile.FullName, result.Plan.ToTriplets(), result.Plan.Mass.Length, 3);
                    Console.Error.WriteLine($"otk: the dense {wa.Length} x {wb.Length} plan would not fit in memory; wrote its {result.Plan.Mass.Length} "
                        + $"nonzero entries to {planFile.FullName} as rows (i, j, mass).");
                }
            }
            if (prefix is not null)
            {
                Npy.Write(prefix + "_u.npy", result.U, result.U.Length);
                Npy.Write(prefix + "_v.npy", result.V, result.V.Length);
            }
            return result.Status == EmdStatus.Optimal ? 0 : 1;
        }));
        return command;
    }
}
