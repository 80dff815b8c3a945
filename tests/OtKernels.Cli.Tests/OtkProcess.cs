// Runs the built otk.dll (or the benchmark program beside it) in a child process and captures
// what a user would see.
using System.Diagnostics;

namespace OtKernels.Cli.Tests;

internal sealed record OtkRun(int ExitCode, string Stdout, string Stderr);

internal static class OtkProcess
{
    public static OtkRun Run(IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        Wait(Start(args, environment));

    /// <summary>Runs bench/OtKernels.Bench (built beside the tests) with args.</summary>
    public static OtkRun Bench(IEnumerable<string> args) => Wait(Start(args, program: "OtKernels.Bench.dll"));

    /// <summary>Starts otk without waiting, for runs that a test kills or races.</summary>
    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string program = "otk.dll")
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program));
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return Process.Start(start)!;
    }

    public static OtkRun Wait(Process process)
    {
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            // A guard against a hung child, not a speed limit: generous enough for a loaded
            // machine (the gpu check on ILGPU's CPU accelerator takes 30 s alone, over 120 s
            // beside a training run).
            if (!process.WaitForExit(600_000)) { process.Kill(entireProcessTree: true); throw new TimeoutException("The child process did not finish in 600 s."); }
            return new OtkRun(process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
