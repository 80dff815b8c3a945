// The one interface behind which batched kernels run: the CPU code (the default and the
// reference), or a device reached through OpenCL or CUDA (DESIGN.md, Accelerators). The
// operations that take an accelerator (BatchedSinkhorn, PairwiseDistances, their reverse
// passes) run the CPU code on CpuAccelerator and the kernels of Kernels/ on a device.
using OtKernels.Accelerators.Cpu;
using OtKernels.Accelerators.Cuda;
using OtKernels.Accelerators.OpenCl;

namespace OtKernels.Accelerators;

public abstract class Accelerator : IDisposable
{
    /// <summary>The environment variable that chooses the accelerator of a request for
    /// <see cref="AcceleratorKind.Auto"/>: cpu, opencl, cuda or auto.</summary>
    public const string EnvironmentVariable = "OTK_ACCELERATOR";

    public abstract AcceleratorKind Kind { get; }

    /// <summary>The device's name as its driver reports it.</summary>
    public abstract string Name { get; }

    /// <summary>An accelerator of the given kind. Auto honours OTK_ACCELERATOR, then tries
    /// CUDA, then an OpenCL GPU, then falls back to the CPU; an explicit kind is taken as
    /// asked and fails with the reason when that backend has no device.</summary>
    /// <exception cref="AcceleratorException">The backend's API failed.</exception>
    /// <exception cref="InvalidOperationException">No device of that kind, or an unknown
    /// OTK_ACCELERATOR value.</exception>
    public static Accelerator Create(AcceleratorKind kind = AcceleratorKind.Auto)
    {
        if (kind == AcceleratorKind.Auto) kind = KindFromEnvironment();
        return kind switch
        {
            AcceleratorKind.Cpu => new CpuAccelerator(),
            AcceleratorKind.OpenCl => OpenClAccelerator.Create(gpuOnly: false)
                ?? throw new InvalidOperationException($"No OpenCL device: {OpenClAccelerator.Unavailable}"),
            AcceleratorKind.Cuda => CudaAccelerator.Create()
                ?? throw new InvalidOperationException($"No CUDA device: {CudaAccelerator.Unavailable}"),
            _ => CudaAccelerator.Create() ?? (Accelerator?)OpenClAccelerator.Create(gpuOnly: true) ?? new CpuAccelerator(),
        };
    }

    /// <summary>Every accelerator this machine offers: the CPU, each OpenCL device, each CUDA
    /// device; with the reason a backend offers none.</summary>
    public static (IReadOnlyList<Accelerator> Accelerators, IReadOnlyList<string> Unavailable) All()
    {
        var found = new List<Accelerator> { new CpuAccelerator() };
        var missing = new List<string>();
        found.AddRange(OpenClAccelerator.CreateAll());
        if (OpenClAccelerator.Unavailable is { } cl) missing.Add($"OpenCL: {cl}");
        found.AddRange(CudaAccelerator.CreateAll());
        if (CudaAccelerator.Unavailable is { } cu) missing.Add($"CUDA: {cu}");
        return (found, missing);
    }

    /// <summary>A kind by name: auto, cpu, opencl or cuda (any case), as OTK_ACCELERATOR and
    /// the command line spell it.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static AcceleratorKind ParseKind(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => AcceleratorKind.Auto,
        "cpu" => AcceleratorKind.Cpu,
        "opencl" => AcceleratorKind.OpenCl,
        "cuda" => AcceleratorKind.Cuda,
        _ => throw new ArgumentException($"'{name}' is not one of auto, cpu, opencl, cuda.", nameof(name)),
    };

    private static AcceleratorKind KindFromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value)) return AcceleratorKind.Auto;
        try
        {
            return ParseKind(value);
        }
        catch (ArgumentException)
        {
            throw new InvalidOperationException($"{EnvironmentVariable}={value} is not one of cpu, opencl, cuda, auto.");
        }
    }

    public override string ToString() => $"{Kind}: {Name}";

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
