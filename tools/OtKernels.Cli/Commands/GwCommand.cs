// otk gw: entropic (fused) Gromov–Wasserstein between two spaces, given as point sets (their
// distance matrices are the structure) or as the structure matrices themselves, with an
// optional feature cost between them; the coupling and the envelope gradients written to
// .npy on request; on the CPU (double) or a device (--accelerator, float). POT:
// ot.gromov.entropic_gromov_wasserstein2.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class GwCommand
{
    public static Command Create()
    {
        var x = new Option<FileInfo?>("--x") { Description = "Source points [n, d1] (.npy or .csv); their distances are C1." };
        var y = new Option<FileInfo?>("--y") { Description = "Target points [m, d2] (any dimension of their own); their distances are C2." };
        var c1 = new Option<FileInfo?>("--c1") { Description = "The source structure matrix [n, n] instead of --x (symmetric)." };
        var c2 = new Option<FileInfo?>("--c2") { Description = "The target structure matrix [m, m] instead of --y (symmetric)." };
        var metric = new Option<string>("--metric") { Description = "Distances of --x/--y: euclidean or sqeuclidean.", DefaultValueFactory = _ => "euclidean" };
        var a = new Option<FileInfo?>("--a") { Description = "Source masses [n] (default uniform)." };
        var b = new Option<FileInfo?>("--b") { Description = "Target masses [m] (default uniform), with the sum of a." };
        var features = new Option<FileInfo?>("--features") { Description = "Fused GW: the feature cost [n, m] between the spaces." };
        var alpha = new Option<double>("--alpha") { Description = "Fused GW: the structure term's weight in [0, 1] (features: 1 - alpha).", DefaultValueFactory = _ => 0.5 };
        var epsilon = new Option<double>("--epsilon") { Description = "Regularisation eps of eps KL(T | a b^T), in the loss's unit.", Required = true };
        var loss = new Option<string>("--loss") { Description = "Inner loss: square or kl.", DefaultValueFactory = _ => "square" };
        var starts = new Option<int>("--starts") { Description = "Starts: p q^T first, then seeded random couplings; the lowest objective is kept.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random starts.", DefaultValueFactory = _ => 0 };
        var iterations = new Option<int>("--iterations", "--max-iterations") { Description = "Outer iteration limit.", DefaultValueFactory = _ => 1000 };
        var tolerance = new Option<double>("--tolerance") { Description = "Stop when the coupling moves less than this (Frobenius).", DefaultValueFactory = _ => 1e-9 };
        var plan = new Option<FileInfo?>("--plan") { Description = "Write the coupling [n, m] to this .npy file." };
        var gradients = new Option<string?>("--gradients") { Description = "Write dE/dC1, dE/dC2 (and dE/dM when fused) to PREFIX_dc1.npy, PREFIX_dc2.npy, PREFIX_dm.npy." };
        Option<string> accelerator = AcceleratorOption.Create("Where the solve runs (a device solves in float; its kernel is made for batches of small problems)");
        accelerator.DefaultValueFactory = _ => "cpu";
        var command = new Command("gw", "Entropic (fused) Gromov-Wasserstein; prints {value, objective, iterations, converged, status, start} as JSON.")
        {
            x, y, c1, c2, metric, a, b, features, alpha, epsilon, loss, starts, seed, iterations, tolerance, plan, gradients, accelerator,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            double[] source = Structure(parse.GetValue(x), parse.GetValue(c1), parse.GetValue(metric)!, "--x", "--c1", out int n);
            double[] target = Structure(parse.GetValue(y), parse.GetValue(c2), parse.GetValue(metric)!, "--y", "--c2", out int m);
            double[] p = Masses(parse.GetValue(a), n, "--a"), q = Masses(parse.GetValue(b), m, "--b");
            var options = new GromovWassersteinOptions
            {
                Epsilon = parse.GetValue(epsilon),
                Loss = OptionChoice.Of(parse.GetValue(loss)!, "--loss", ("square", GromovLoss.Square), ("kl", GromovLoss.KL)),
                Initializations = parse.GetValue(starts),
                Seed = parse.GetValue(seed),
                MaxIterations = parse.GetValue(iterations),
                Tolerance = parse.GetValue(tolerance),
            };
            var problem = new GromovWassersteinProblem(p, q, source, target);
            if (parse.GetValue(features) is { } file)
            {
                (double[] cost, int[] shape) = ArrayFile.Read(file.FullName);
                if (shape.Length != 2 || shape[0] != n || shape[1] != m)
                    throw new ArgumentException($"--features {file.Name}: shape ({string.Join(", ", shape)}) but the spaces need ({n}, {m}).");
                problem = problem with { Features = cost, Alpha = parse.GetValue(alpha) };
            }
            string? gradientPrefix = parse.GetValue(gradients);
            // Outputs are checked before the solve, so a mistyped path costs nothing.
            if (parse.GetValue(plan) is { } planFile) AtomicFile.CheckTarget(planFile.FullName);
            if (gradientPrefix is not null)
                foreach (string suffix in (string[])["_dc1.npy", "_dc2.npy", "_dm.npy"]) AtomicFile.CheckTarget(gradientPrefix + suffix);

            using Accelerators.Accelerator device = Accelerators.Accelerator.Create(AcceleratorOption.Parse(parse.GetValue(accelerator)!));
            GromovWassersteinResult r = GromovWasserstein.SolveBatch(device, [problem], options)[0];
            bool converged = r.Status == GromovWassersteinStatus.Converged;
            Console.WriteLine(JsonSerializer.Serialize(new { value = r.Value, objective = r.Objective, iterations = r.Iterations, converged, status = r.Status.ToString(), start = r.Start }));
            Console.Out.Flush();
            if (parse.GetValue(plan) is { } planOut) Npy.Write(planOut.FullName, r.Plan, n, m);
            if (gradientPrefix is not null)
            {
                double[] d1 = new double[n * n], d2 = new double[m * m];
                GromovWassersteinBackward.StructureGradients(r, d1, d2);
                Npy.Write(gradientPrefix + "_dc1.npy", d1, n, n);
                Npy.Write(gradientPrefix + "_dc2.npy", d2, m, m);
                if (problem.Features is not null) Npy.Write(gradientPrefix + "_dm.npy", GromovWassersteinBackward.FeatureGradient(r), n, m);
            }
            if (converged) return 0;
            Console.Error.WriteLine($"otk: not converged in {r.Iterations} outer iterations ({r.Status}); raise --iterations or --epsilon, or --tolerance.");
            return 1;
        }));
        return command;
    }

    /// <summary>A structure matrix: the distances of the points in pointsFile, or the matrix in matrixFile.</summary>
    private static double[] Structure(FileInfo? pointsFile, FileInfo? matrixFile, string metric, string pointsOption, string matrixOption, out int count)
    {
        if ((pointsFile is null) == (matrixFile is null))
            throw new ArgumentException($"Give either {pointsOption} (points) or {matrixOption} (a structure matrix), exactly one.");
        if (matrixFile is not null)
        {
            (double[] c, int[] shape) = ArrayFile.Read(matrixFile.FullName);
            if (shape.Length != 2 || shape[0] != shape[1] || shape[0] == 0)
                throw new ArgumentException($"{matrixOption} {matrixFile.Name}: shape ({string.Join(", ", shape)}); need a square matrix.");
            count = shape[0];
            return c;
        }
        (double[] points, count, int d) = ProblemInputs.ReadPoints(pointsFile!, pointsOption);
        GroundMetric ground = OptionChoice.Of(metric, "--metric", ("euclidean", GroundMetric.Euclidean), ("sqeuclidean", GroundMetric.SqEuclidean));
        return new PointCloudCost(points, points, d, ground).ToArray();
    }

    private static double[] Masses(FileInfo? file, int count, string option)
    {
        if (file is null) return Enumerable.Repeat(1.0 / count, count).ToArray();
        (double[] w, int[] shape) = ArrayFile.Read(file.FullName);
        if (w.Length != count)
            throw new ArgumentException($"{option} {file.Name}: {w.Length} masses (shape ({string.Join(", ", shape)})) but the space has {count} points.");
        return w;
    }
}
