// Gromov–Wasserstein batches on an accelerator: the CPU batch on a CpuAccelerator, and on a
// device the kernel of Device/GromovKernel.cs (float32, one team per problem and start). The
// host validates each problem and prepares its loss's parts (Prepared) and its starting
// couplings in double, as the CPU path does, then keeps each problem's best start by the
// CPU's rule; the device batch has one shape, as every device batch does.
using OtKernels.Accelerators;
using OtKernels.Entropic.Device;

namespace OtKernels.Entropic;

public static partial class GromovWasserstein
{
    /// <summary>As <see cref="SolveBatch(IReadOnlyList{GromovWassersteinProblem}, GromovWassersteinOptions)"/>
    /// on an accelerator: on a device, in float, every problem of one shape (n, m), the
    /// couplings and values to float's precision, and a run stops when its coupling changes
    /// less than the tolerance or float's rounding of it.</summary>
    /// <exception cref="ArgumentException">As the CPU batch; on a device also problems of
    /// different shapes, or entries beyond float's range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">On a device, problems too large for a group's shared memory.</exception>
    /// <exception cref="AcceleratorException">The device failed.</exception>
    public static GromovWassersteinResult[] SolveBatch(Accelerator accelerator, IReadOnlyList<GromovWassersteinProblem> problems, GromovWassersteinOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        return accelerator.Run("GromovWasserstein.SolveBatch (GromovKernel.Descend)", () => SolveBatch(problems, options),
            device => SolveOnDevice(device, problems, options));
    }

    private static GromovWassersteinResult[] SolveOnDevice(DeviceAccelerator device, IReadOnlyList<GromovWassersteinProblem> problems, GromovWassersteinOptions options)
    {
        Validate(problems, options);
        int count = problems.Count, starts = options.Initializations;
        var prepared = new Prepared[count];
        BatchErrors.For(count, options.MaxDegreeOfParallelism, k => prepared[k] = Prepared.Of(problems, k, options.Loss));
        int n = prepared[0].N, m = prepared[0].M, nm = n * m;
        for (int k = 1; k < count; k++)
            if (prepared[k].N != n || prepared[k].M != m)
                throw new ArgumentException($"problems[{k}] is {prepared[k].N} x {prepared[k].M} but problems[0] is {n} x {m}; a device batch has one shape.", nameof(problems));

        int problemFloats = GromovKernel.ProblemFloats(n, m);
        var data = new float[checked(count * problemFloats)];
        var startPlans = new float[checked(count * starts * nm)];
        BatchErrors.For(count, options.MaxDegreeOfParallelism, NewWorkspace, (k, workspace) =>
        {
            Pack(prepared[k], data.AsSpan(k * problemFloats, problemFloats));
            for (int s = 0; s < starts; s++)
                Narrow(StartingCoupling(prepared[k], options, s, workspace), startPlans.AsSpan((k * starts + s) * nm, nm), "the starting coupling");
        });

        (float[] plans, float[] stats) = GromovKernel.Solve(device, data, startPlans, count, starts, n, m, options);
        var results = new GromovWassersteinResult[count];
        for (int k = 0; k < count; k++)
        {
            for (int s = 0; s < starts; s++)
            {
                int run = k * starts + s;
                double[] plan = Array.ConvertAll(plans[(run * nm)..((run + 1) * nm)], v => (double)v);
                var result = new GromovWassersteinResult(prepared[k], options, plan, s);
                ReadOnlySpan<float> s4 = stats.AsSpan(run * GromovKernel.Stats, GromovKernel.Stats);
                result.Finish(s4[0], s4[1], (int)s4[2], (GromovWassersteinStatus)(int)s4[3]);
                results[k] = Better(results[k], result);
            }
        }
        return results;
    }

    /// <summary>Problem data in GromovKernel.ProblemFloats' layout.</summary>
    private static void Pack(Prepared problem, Span<float> data)
    {
        int at = 0;
        double[] features = problem.Problem.Features ?? new double[problem.N * problem.M]; // plain GW: M = 0
        foreach ((double[] values, string name) in new[] { (problem.Problem.C1, "C1"), (problem.H2, "h2(C2)"), (problem.RowTerm, "f1(C1) p"),
            (problem.ColTerm, "f2(C2) q"), (problem.P, "P"), (problem.Q, "Q"), (features, "Features") })
        {
            Narrow(values, data.Slice(at, values.Length), name);
            at += values.Length;
        }
        data[at] = (float)problem.Problem.Alpha;
    }

    /// <summary>values in float, refusing any beyond its range.</summary>
    private static void Narrow(ReadOnlySpan<double> values, Span<float> to, string name)
    {
        for (int e = 0; e < values.Length; e++)
        {
            to[e] = (float)values[e];
            if (!float.IsFinite(to[e]))
                throw new ArgumentException($"{name}[{e}] is {values[e]}, beyond float's range: the device solves in float.", name);
        }
    }
}
