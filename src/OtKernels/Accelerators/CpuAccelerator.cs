namespace OtKernels.Accelerators;

/// <summary>The CPU: operations given this accelerator run the SIMD multi-threaded CPU code
/// of the engine, which is also the reference every device kernel is tested against.</summary>
public sealed class CpuAccelerator : Accelerator
{
    /// <inheritdoc/>
    public override AcceleratorKind Kind => AcceleratorKind.Cpu;
    /// <inheritdoc/>
    public override string Name => $"CPU ({Environment.ProcessorCount} threads)";

    internal override T Run<T>(string operation, Func<T> onCpu, Func<DeviceAccelerator, T> onDevice) => onCpu();
}
