// otk gpu check: lists every accelerator this machine offers (and why a backend offers
// none), then runs the conformance suite on each device: every kernel against the CPU
// code on the same batches, one table row per kernel and case (ms includes the first
// call's kernel compilation). Exit 1 if any row fails or a device buffer leaks.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Accelerators;
using OtKernels.Autodiff.Accelerators;

namespace OtKernels.Cli.Commands;

internal static class GpuCommand
{
    public static Command Create()
    {
        var check = new Command("check", "List the devices and check every kernel against the CPU on each.");
        var only = new Option<string?>("--kind") { Description = "Only this backend: opencl or cuda." };
        check.Options.Add(only);
        check.SetAction(parse => CliErrors.Run(() => Check(parse.GetValue(only))));
        var command = new Command("gpu", "Accelerator devices: conformance checks.");
        command.Subcommands.Add(check);
        return command;
    }

    private static int Check(string? kind)
    {
        AcceleratorKind? wanted = kind is null ? null : AcceleratorOption.Parse(kind, "--kind") switch
        {
            AcceleratorKind.OpenCl => AcceleratorKind.OpenCl,
            AcceleratorKind.Cuda => AcceleratorKind.Cuda,
            _ => throw new ArgumentException($"--kind {kind}: use opencl or cuda."),
        };
        var (accelerators, unavailable) = Accelerator.All();
        foreach (string reason in unavailable) Console.WriteLine($"unavailable: {reason}");
        bool allPassed = true;
        int checkedDevices = 0;
        foreach (Accelerator accelerator in accelerators)
        {
            using (accelerator)
            {
                if (accelerator is not DeviceAccelerator device)
                {
                    Console.WriteLine($"device: {accelerator} (the reference)");
                    continue;
                }
                if (wanted is { } w && device.Kind != w) continue;
                checkedDevices++;
                Console.WriteLine($"device: {device}; {device.ComputeUnits} compute units at {device.ClockMHz:F0} MHz, " +
                                  $"{device.GlobalMemoryBytes / (1 << 20)} MiB, {device.LocalMemoryBytes / 1024} KiB local per group");
                Console.WriteLine($"{"kernel",-40} {"case",-26} {"max abs err",11} {"max rel err",11} {"tolerance",9}  {"",4} {"ms",6}");
                foreach (string kernel in Conformance.Kernels)
                {
                    foreach (ConformanceCase c in Conformance.Cases)
                    {
                        var clock = Stopwatch.StartNew();
                        ConformanceRow row = Conformance.Check(device, kernel, c);
                        allPassed &= row.Passed;
                        Console.WriteLine($"{row.Kernel,-40} {row.Case,-26} {row.MaxAbsoluteError,11:E2} {row.MaxRelativeError,11:E2} {row.Tolerance,9:E0}  " +
                                          $"{(row.Passed ? "ok" : "FAIL"),-4} {clock.Elapsed.TotalMilliseconds,6:F0}");
                    }
                }
                if (device.LiveBuffers != 0) { Console.WriteLine($"leak: {device.LiveBuffers} device buffers still allocated"); allPassed = false; }
            }
        }
        if (checkedDevices == 0) Console.WriteLine("no device to check: only the CPU reference is present.");
        Console.WriteLine(allPassed ? "conformance: all passed" : "conformance: FAILED");
        return allPassed ? 0 : 1;
    }
}
