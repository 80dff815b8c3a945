namespace OtKernels.Accelerators;

/// <summary>A device failed an operation: ILGPU's or the driver's error (out of memory, a
/// launch failure, a kernel the backend cannot compile), with the device and the operation
/// named. The original exception is the inner one.</summary>
public sealed class AcceleratorException : Exception
{
    /// <summary>A failure of operation on device, wrapping what the device or ILGPU threw.</summary>
    public AcceleratorException(string device, string operation, Exception inner)
        : base($"{operation} failed on {device}: {inner.Message}", inner)
    {
        Device = device;
        Operation = operation;
    }

    /// <summary>The device's name, as its driver reports it.</summary>
    public string Device { get; }

    /// <summary>What was running: the operation and its kernel, e.g. "Sinkhorn.SolveBatch (SinkhornKernel.Clouds)".</summary>
    public string Operation { get; }
}
