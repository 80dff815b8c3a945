// The one interface behind which batched kernels run (DESIGN.md, Accelerators): the CPU code
// (CpuAccelerator: the default and the reference) or a device of the ILGPU runtime
// (DeviceAccelerator: CUDA, OpenCL 2.0+, or ILGPU's CPU accelerator in tests). An operation
// that takes an accelerator states its two paths once, through Run; the accelerator picks.
namespace OtKernels.Accelerators;

/// <summary>Where batched kernels run: the CPU code (<see cref="CpuAccelerator"/>) or a device (<see cref="DeviceAccelerator"/>). Create one with <see cref="Create"/> and pass it to the operations that take an accelerator.</summary>
public abstract class Accelerator : IDisposable
{
    /// <summary>The environment variable that chooses the accelerator of a request for
    /// <see cref="AcceleratorKind.Auto"/>: auto, cpu, cuda, opencl or ilgpu-cpu.</summary>
    public const string EnvironmentVariable = "OTK_ACCELERATOR";

    // Subclassed only here: Run is the dispatch every operation relies on.
    private protected Accelerator() { }

    /// <summary>The kind of accelerator this is.</summary>
    public abstract AcceleratorKind Kind { get; }

    /// <summary>The device's name as its driver reports it.</summary>
    public abstract string Name { get; }

    /// <summary>An accelerator of the given kind. Auto honours OTK_ACCELERATOR, then tries
    /// CUDA, then an OpenCL device ILGPU supports, then falls back to the CPU; an explicit
    /// kind is taken as asked and fails with the reason when the machine has no such device.</summary>
    /// <exception cref="InvalidOperationException">No device of that kind, or an unknown
    /// OTK_ACCELERATOR value.</exception>
    public static Accelerator Create(AcceleratorKind kind = AcceleratorKind.Auto)
    {
        if (kind == AcceleratorKind.Auto) kind = KindFromEnvironment();
        return kind switch
        {
            AcceleratorKind.Cpu => new CpuAccelerator(),
            AcceleratorKind.Auto => DeviceRuntime.Open(AcceleratorKind.Cuda) ?? DeviceRuntime.Open(AcceleratorKind.OpenCl) ?? (Accelerator)new CpuAccelerator(),
            _ => DeviceRuntime.Open(kind) ?? throw new InvalidOperationException($"No {KindName(kind)} device: {DeviceRuntime.Unavailable(kind)}"),
        };
    }

    /// <summary>Every accelerator this machine offers: the CPU code, ILGPU's CPU accelerator,
    /// each CUDA and each supported OpenCL device; with the reason a backend offers none.
    /// The caller disposes them.</summary>
    public static (IReadOnlyList<Accelerator> Accelerators, IReadOnlyList<string> Unavailable) All()
    {
        var found = new List<Accelerator> { new CpuAccelerator() };
        found.AddRange(DeviceRuntime.OpenAll());
        var missing = new List<string>();
        foreach (AcceleratorKind kind in new[] { AcceleratorKind.Cuda, AcceleratorKind.OpenCl })
            if (!found.Any(a => a.Kind == kind)) missing.Add($"{KindName(kind)}: {DeviceRuntime.Unavailable(kind)}");
        return (found, missing);
    }

    /// <summary>A kind by name: auto, cpu, cuda, opencl or ilgpu-cpu (any case), as
    /// OTK_ACCELERATOR and the command line spell it.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static AcceleratorKind ParseKind(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => AcceleratorKind.Auto,
        "cpu" => AcceleratorKind.Cpu,
        "cuda" => AcceleratorKind.Cuda,
        "opencl" => AcceleratorKind.OpenCl,
        "ilgpu-cpu" => AcceleratorKind.IlgpuCpu,
        _ => throw new ArgumentException($"'{name}' is not one of {KindNames}.", nameof(name)),
    };

    /// <summary>The names ParseKind reads.</summary>
    public const string KindNames = "auto, cpu, cuda, opencl, ilgpu-cpu";

    /// <summary>Runs an operation: onCpu on the CPU code, onDevice on a device (with the
    /// device's failures wrapped in an AcceleratorException naming the device and operation).</summary>
    internal abstract T Run<T>(string operation, Func<T> onCpu, Func<DeviceAccelerator, T> onDevice);

    private static string KindName(AcceleratorKind kind) => kind switch
    {
        AcceleratorKind.Cuda => "CUDA",
        AcceleratorKind.OpenCl => "OpenCL",
        AcceleratorKind.IlgpuCpu => "ILGPU CPU",
        _ => kind.ToString(),
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
            throw new InvalidOperationException($"{EnvironmentVariable}={value} is not one of {KindNames}.");
        }
    }

    /// <summary>The kind and the device's name.</summary>
    public override string ToString() => $"{Kind}: {Name}";

    /// <summary>Releases the device and what it holds.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the device's resources; true when called from <see cref="Dispose()"/>.</summary>
    protected virtual void Dispose(bool disposing) { }
}
