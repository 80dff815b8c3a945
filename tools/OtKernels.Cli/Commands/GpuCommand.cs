// otk gpu check: lists every accelerator this machine offers (and why a backend offers
// none), then runs the conformance suite on each GPU: every kernel against the CPU code on
// the same batches, one table row per kernel and case (ms includes the first call's kernel
// compilation). Without a GPU it checks the same kernels on ILGPU's CPU accelerator, so the
// command proves the kernels anywhere. --quick checks each kernel on the first (smallest)
// case only: a smoke check, a quarter of the rows. Exit 1 if any row fails or a device
// buffer leaks.
using System.CommandLine;
using System.Diagnostics;
using OtKernels.Accelerators;
using OtKernels.Conformance;

namespace OtKernels.Cli.Commands;

internal static class GpuCommand
{
    public static Command Create()
    {
        var check = new Command("check", "List the devices and check every kernel against the CPU on each GPU (on ILGPU's CPU accelerator when there is none).");
        var only = new Option<string?>("--kind") { Description = "Only this backend: cuda, opencl or ilgpu-cpu." };
        var quick = new Option<bool>("--quick") { Description = "Each kernel on the first (smallest) case only." };
        check.Options.Add(only);
        check.Options.Add(quick);
        check.SetAction(parse => CliErrors.Run(() => Check(parse.GetValue(only), parse.GetValue(quick))));
        var command = new Command("gpu", "Accelerator devices: conformance checks.");
        command.Subcommands.Add(check);
        return command;
    }

    private static int Check(string? kind, bool quick)
    {
        AcceleratorKind? wanted = kind is null ? null : AcceleratorOption.Parse(kind, "--kind") switch
        {
            AcceleratorKind.Auto or AcceleratorKind.Cpu => throw new ArgumentException($"--kind {kind}: use cuda, opencl or ilgpu-cpu."),
            var k => k,
        };
        var (accelerators, unavailable) = Accelerator.All();
        foreach (string reason in unavailable) Console.WriteLine($"unavailable: {reason}");
        bool hasGpu = accelerators.Any(a => a.Kind is AcceleratorKind.Cuda or AcceleratorKind.OpenCl);
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
                bool check = wanted is { } w ? device.Kind == w : device.Kind != AcceleratorKind.IlgpuCpu || !hasGpu;
                Console.WriteLine($"device: {device}; {Describe(device)}{(check ? "" : " (not checked: a GPU is present)")}");
                if (!check) continue;
                if (device.Kind == AcceleratorKind.IlgpuCpu)
                    Console.WriteLine("checking the kernels on ILGPU's CPU accelerator (one .NET thread per kernel thread: slow, but the same kernels a GPU runs)");
                checkedDevices++;
                allPassed &= CheckDevice(device, quick ? KernelConformance.Cases.Take(1).ToArray() : KernelConformance.Cases);
            }
        }
        if (checkedDevices == 0) Console.WriteLine("no device to check.");
        Console.WriteLine(allPassed && checkedDevices > 0 ? "conformance: all passed" : "conformance: FAILED");
        return allPassed && checkedDevices > 0 ? 0 : 1;
    }

    private static string Describe(DeviceAccelerator device) =>
        $"{device.ComputeUnits} compute units{(device.ClockMHz is double mhz ? $" at {mhz:F0} MHz" : "")}, "
        + (device.GlobalMemoryBytes == long.MaxValue ? "host memory" : $"{device.GlobalMemoryBytes / (1 << 20)} MiB")
        + (device.SharedMemoryBytes >= int.MaxValue ? "" : $", {device.SharedMemoryBytes / 1024} KiB shared per group")
        + $", groups of up to {device.MaxGroupSize} threads";

    private static bool CheckDevice(DeviceAccelerator device, IReadOnlyList<ConformanceCase> cases)
    {
        bool passed = true;
        Console.WriteLine($"{"kernel",-42} {"case",-26} {"max abs err",11} {"max rel err",11} {"tolerance",9}  {"",4} {"ms",6}");
        foreach (string kernel in KernelConformance.Kernels)
        {
            foreach (ConformanceCase c in cases)
            {
                var clock = Stopwatch.StartNew();
                ConformanceRow row = KernelConformance.Check(device, kernel, c);
                passed &= row.Passed;
                Console.WriteLine($"{row.Kernel,-42} {row.Case,-26} {row.MaxAbsoluteError,11:E2} {row.MaxRelativeError,11:E2} {row.Tolerance,9:E0}  " +
                                  $"{(row.Passed ? "ok" : "FAIL"),-4} {clock.Elapsed.TotalMilliseconds,6:F0}");
            }
        }
        if (device.LiveBuffers != 0)
        {
            Console.WriteLine($"leak: {device.LiveBuffers} device buffers still allocated on {device.Name}");
            passed = false;
        }
        return passed;
    }
}
