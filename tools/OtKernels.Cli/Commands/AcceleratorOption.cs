// The --accelerator option of the commands that run on an accelerator: the kind names of
// Accelerator.ParseKind, and errors that name the option.
using System.CommandLine;
using OtKernels.Accelerators;
using OtNet.Models;

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

    /// <summary>The device --accelerator names, set on a model's metric so that its Sinkhorn
    /// distances and their reverse pass run there; null for cpu, for auto's CPU fallback (the
    /// CPU code stays) and for a Euclidean model (nothing to run there). An explicit kind the
    /// machine lacks fails with the reason; readings the kernels do not compute are refused by
    /// their options. The caller disposes what it returns.</summary>
    public static Accelerator? ForEmbedding(string value, EmbeddingMetric metric, string command)
    {
        AcceleratorKind kind = Parse(value);
        if (kind == AcceleratorKind.Cpu) return null;
        Accelerator chosen = Accelerator.Create(kind);
        if (chosen is not DeviceAccelerator || metric.Distance != EmbeddingDistance.Wasserstein)
        {
            if (chosen is DeviceAccelerator) Console.Error.WriteLine($"{command}: the Euclidean distance runs on the CPU; --accelerator {value} applies to Sinkhorn distances");
            chosen.Dispose();
            return null;
        }
        try
        {
            metric.Accelerator = chosen;
        }
        catch (ArgumentException)
        {
            chosen.Dispose();
            throw new ArgumentException($"--accelerator {value}: the device kernels compute --reading value or divergence with --gradient unrolled.");
        }
        Console.Error.WriteLine($"{command}: Sinkhorn distances on {chosen.Name}");
        return chosen;
    }
}
