// The --accelerator option of the commands that run on an accelerator: the kind names of
// Accelerator.ParseKind, and errors that name the option.
using System.CommandLine;
using OtKernels.Accelerators;

namespace OtKernels.Cli.Commands;

internal static class AcceleratorOption
{
    public static Option<string> Create(string description) =>
        new("--accelerator") { Description = $"{description}: auto (OTK_ACCELERATOR, else CUDA, an OpenCL 2.0+ device, the CPU), cpu, cuda, opencl or ilgpu-cpu.", DefaultValueFactory = _ => "auto" };

    public static AcceleratorKind Parse(string value, string option = "--accelerator")
    {
        try
        {
            return Accelerator.ParseKind(value);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{option} {value}: use {Accelerator.KindNames}.");
        }
    }
}
