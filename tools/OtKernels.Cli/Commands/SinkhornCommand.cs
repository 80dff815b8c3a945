// otk sinkhorn: entropic OT (or the Sinkhorn divergence) between two measures, with the
// potentials and gradients written to .npy on request.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class SinkhornCommand
{
    public static Command Create()
    {
        var inputs = new ProblemInputs();
        var epsilon = new Option<double>("--epsilon") { Description = "Regularisation eps, absolute (the unit of the cost).", Required = true };
        var iterations = new Option<int>("--iterations", "--max-iterations") { Description = "Iteration limit (the exact count in unrolled mode).", DefaultValueFactory = _ => 1000 };
        var tolerance = new Option<double>("--tolerance") { Description = "L1 marginal error at which to stop.", DefaultValueFactory = _ => 1e-6 };
        var scaling = new Option<double>("--epsilon-scaling") { Description = "Epsilon-scaling factor in (0, 1); 0 = off.", DefaultValueFactory = _ => 0 };
        var omega = new Option<double>("--over-relaxation") { Description = "Over-relaxation omega in [1, 2) for converged mode; 1 = plain Sinkhorn.", DefaultValueFactory = _ => 1 };
        var divergence = new Option<bool>("--divergence") { Description = "Compute the Sinkhorn divergence S = OT(a,b) - OT(a,a)/2 - OT(b,b)/2 (+ eps/2 (m(a) - m(b))^2 when unbalanced)." };
        var unbalanced = new Option<double?>("--unbalanced") { Description = "Unbalanced transport: the marginal penalty rho of rho KL(P1|a) + rho KL(P^T 1|b) (POT's reg_m); a and b may then have any sums." };
        var mode = new Option<string>("--mode") { Description = "converged (envelope gradients) or unrolled (exactly --iterations, exact gradients).", DefaultValueFactory = _ => "converged" };
        var potentials = new Option<string?>("--potentials") { Description = "Write f and g to PREFIX_f.npy and PREFIX_g.npy." };
        var gradients = new Option<string?>("--gradients") { Description = "Write the gradients to PREFIX_da.npy, PREFIX_db.npy (and PREFIX_dx.npy, PREFIX_dy.npy for point sets)." };
        var command = new Command("sinkhorn", "Entropic OT by log-domain Sinkhorn; prints {value, transport_cost, plan_mass, marginal_error, iterations, converged, status} as JSON.")
        {
            epsilon, iterations, tolerance, scaling, omega, divergence, unbalanced, mode, potentials, gradients,
        };
        inputs.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            double? rho = parse.GetValue(unbalanced);
            if (rho is { } r && !(r > 0))
                throw new ArgumentException($"--unbalanced {r}: the marginal penalty rho must be positive (omit the option for balanced transport).");
            (double[] a, double[] b, GroundCost cost) = inputs.Read(parse, anyMass: rho is not null);
            SinkhornMode sinkhornMode = parse.GetValue(mode)!.ToLowerInvariant() switch
            {
                "converged" => SinkhornMode.Converged,
                "unrolled" => SinkhornMode.Unrolled,
                string other => throw new ArgumentException($"--mode '{other}': use converged or unrolled."),
            };
            var options = new SinkhornOptions
            {
                Epsilon = parse.GetValue(epsilon),
                MaxIterations = parse.GetValue(iterations),
                Tolerance = parse.GetValue(tolerance),
                EpsilonScaling = parse.GetValue(scaling),
                OverRelaxation = parse.GetValue(omega),
                Mode = sinkhornMode,
                MarginalPenalty = rho ?? double.PositiveInfinity,
            };
            string? gradientPrefix = parse.GetValue(gradients);
            // Outputs are checked before the solve, so a mistyped path costs nothing.
            if (parse.GetValue(potentials) is { } prefix) { AtomicFile.CheckTarget(prefix + "_f.npy"); AtomicFile.CheckTarget(prefix + "_g.npy"); }
            if (gradientPrefix is not null)
                foreach (string suffix in (string[])["_da.npy", "_db.npy", "_dx.npy", "_dy.npy"]) AtomicFile.CheckTarget(gradientPrefix + suffix);
            return parse.GetValue(divergence)
                ? RunDivergence(a, b, cost, options, parse.GetValue(potentials), gradientPrefix)
                : RunOt(a, b, cost, options, parse.GetValue(potentials), gradientPrefix);
        }));
        return command;
    }

    private static int RunOt(double[] a, double[] b, GroundCost cost, SinkhornOptions options, string? potentials, string? gradients)
    {
        bool unrolled = options.Mode == SinkhornMode.Unrolled && gradients is not null;
        var tape = new SinkhornTape<double>();
        SinkhornResult<double> r = unrolled ? Sinkhorn.Solve<double>(a, b, cost, options, tape) : Sinkhorn.Solve<double>(a, b, cost, options);
        // The result is printed before the files are written: a failed write loses no solve.
        Print(r.Value[0], r, r.MarginalError[0], r.Iterations[0], r.Status[0]);
        if (potentials is not null) WritePotentials(potentials, r);
        if (gradients is not null)
        {
            var grad = new Gradients(r.N, r.M, cost);
            if (unrolled) SinkhornBackward.UnrolledGradients<double>(tape, cost, a, r.BOf(0), grad.A, grad.B, grad.X, grad.Y);
            else
            {
                SinkhornBackward.WeightGradients(r, 0, grad.A, grad.B);
                if (grad.Clouds is { } clouds) SinkhornBackward.PositionGradients(r, 0, clouds, grad.X, grad.Y);
            }
            grad.Write(gradients);
        }
        return Outcome(r.Status[0], r.MarginalError[0], r.Iterations[0], options, cost.MaxCost());
    }

    /// <summary>The exit code, and on stderr what to change when the result is not certified:
    /// 0 when Converged (or, in unrolled mode, when the fixed iterations ran), else 1.</summary>
    private static int Outcome(SinkhornStatus status, double error, int iterations, SinkhornOptions options, double maxCost)
    {
        string? advice = status switch
        {
            SinkhornStatus.PrecisionLimit =>
                $"--epsilon {options.Epsilon:G4} is too small against the largest cost {maxCost:G4} for double precision: the plan's rounding "
                + $"(marginal error bound {error:G3}) exceeds --tolerance {options.Tolerance:G3}. Raise --epsilon to at least about "
                + $"{4 * Math.ScaleB(1, -53) * maxCost / options.Tolerance:G3}, or raise --tolerance.",
            SinkhornStatus.Diverged => $"the iterations diverged (a potential or the value is not finite); raise --epsilon or use --epsilon-scaling.",
            SinkhornStatus.MaxIterations when options.Mode == SinkhornMode.Converged =>
                $"not converged in {iterations} iterations (marginal error {error:G3} > --tolerance {options.Tolerance:G3} x mass); "
                + "raise --iterations, use --epsilon-scaling 0.5 or --over-relaxation 1.5, or raise --tolerance.",
            _ => null,
        };
        if (advice is null) return 0;
        Console.Error.WriteLine($"otk: {advice}");
        return 1;
    }

    private static int RunDivergence(double[] a, double[] b, GroundCost cost, SinkhornOptions options, string? potentials, string? gradients)
    {
        if (gradients is not null && options.Mode == SinkhornMode.Unrolled)
            throw new ArgumentException("--divergence with --gradients needs --mode converged (the unrolled divergence gradient is not implemented).");
        SinkhornDivergenceResult<double> d = SinkhornDivergence.SolveBatch<double>(a, b, cost, options);
        SinkhornResult<double> r = d.Cross;
        // SinkhornStatus is declared best to worst (Converged, MaxIterations, Diverged, PrecisionLimit).
        SinkhornStatus worst = new[] { r.Status[0], d.SelfStatusA[0], d.SelfStatusB[0] }.Max();
        double error = Math.Max(r.MarginalError[0], Math.Max(d.SelfMarginalErrorA[0], d.SelfMarginalErrorB[0]));
        Print(d.Value[0], r, error, r.Iterations[0], worst);
        if (potentials is not null) WritePotentials(potentials, r);
        if (gradients is not null)
        {
            var grad = new Gradients(r.N, r.M, cost);
            SinkhornDivergenceBackward.WeightGradients(d, 0, grad.A, grad.B);
            if (grad.Clouds is { } clouds) SinkhornDivergenceBackward.PositionGradients(d, 0, clouds, grad.X, grad.Y);
            grad.Write(gradients);
        }
        return Outcome(worst, error, r.Iterations[0], options, cost.MaxCost());
    }

    private static void WritePotentials(string prefix, SinkhornResult<double> r)
    {
        Npy.Write(prefix + "_f.npy", r.F, r.N);
        Npy.Write(prefix + "_g.npy", r.G, r.M);
    }

    /// <summary>The gradient arrays of one problem: weights always, positions for point clouds.</summary>
    private sealed class Gradients(int n, int m, GroundCost cost)
    {
        public PointCloudCost? Clouds { get; } = cost as PointCloudCost;
        public double[] A { get; } = new double[n];
        public double[] B { get; } = new double[m];
        public double[] X { get; } = cost is PointCloudCost c ? new double[n * c.Dimension] : [];
        public double[] Y { get; } = cost is PointCloudCost c ? new double[m * c.Dimension] : [];

        /// <summary>PREFIX_da.npy, PREFIX_db.npy and, for point clouds, PREFIX_dx.npy, PREFIX_dy.npy.</summary>
        public void Write(string prefix)
        {
            Npy.Write(prefix + "_da.npy", A, n);
            Npy.Write(prefix + "_db.npy", B, m);
            if (Clouds is null) return;
            Npy.Write(prefix + "_dx.npy", X, n, Clouds.Dimension);
            Npy.Write(prefix + "_dy.npy", Y, m, Clouds.Dimension);
        }
    }

    /// <summary>The JSON line: value, the plan's transport cost &lt;P, C&gt; and mass (less than
    /// the inputs' where unbalanced transport destroyed some), and how the solve ended.</summary>
    private static void Print(double value, SinkhornResult<double> cross, double marginalError, int iterations, SinkhornStatus status)
    {
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            value,
            transport_cost = cross.TransportCost(0),
            plan_mass = cross.Plan(0).Sum(),
            marginal_error = marginalError,
            iterations,
            converged = status == SinkhornStatus.Converged,
            status = status.ToString(),
        }, JsonOptions));
        Console.Out.Flush();
    }

    // A diverged solve reports NaN; JSON has no number for it, so it is written as "NaN".
    private static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
