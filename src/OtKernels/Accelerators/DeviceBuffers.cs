// The device memory of one operation: every buffer it allocates, freed together when the
// operation ends, also when an allocation or a launch fails half-way, and counted in the
// accelerator's LiveBuffers so that tests can prove nothing leaks.
using ILGPU;
using ILGPU.Runtime;

namespace OtKernels.Accelerators;

internal sealed class DeviceBuffers(DeviceAccelerator owner) : IDisposable
{
    private readonly List<MemoryBuffer1D<float, Stride1D.Dense>> _buffers = [];

    /// <summary>count floats, uninitialised; what names the buffer in an error.</summary>
    /// <exception cref="InsufficientMemoryException">More than the device holds, or refused by it.</exception>
    public MemoryBuffer1D<float, Stride1D.Dense> Allocate(long count, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long bytes = RequireMemory(count, owner.GlobalMemoryBytes, owner.Name, what);
        MemoryBuffer1D<float, Stride1D.Dense> buffer;
        try
        {
            buffer = owner.Device.Allocate1D<float>(Math.Max(count, 1));
        }
        catch (Exception e) when (e is OutOfMemoryException or ILGPU.Runtime.AcceleratorException)
        {
            throw new InsufficientMemoryException($"{what}: {owner.Name} could not allocate {bytes} bytes ({e.Message}).", e);
        }
        _buffers.Add(buffer);
        owner.CountAllocation(+1);
        return buffer;
    }

    /// <summary>A buffer holding a copy of values.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(ReadOnlySpan<float> values, string what)
    {
        MemoryBuffer1D<float, Stride1D.Dense> buffer = Allocate(values.Length, what);
        if (!values.IsEmpty) buffer.View.BaseView.SubView(0, values.Length).CopyFromCPU(values);
        return buffer;
    }

    /// <summary>The bytes of count floats, or an error when they exceed the device's memory.</summary>
    /// <exception cref="InsufficientMemoryException">Over the limit.</exception>
    public static long RequireMemory(long count, long limitBytes, string device, string what)
    {
        long bytes = count > long.MaxValue / sizeof(float) ? long.MaxValue : count * sizeof(float);
        if (bytes > limitBytes)
            throw new InsufficientMemoryException($"{what} needs {bytes} bytes; {device} has {limitBytes} bytes of memory. Use a smaller batch.");
        return bytes;
    }

    public void Dispose()
    {
        foreach (MemoryBuffer1D<float, Stride1D.Dense> buffer in _buffers)
        {
            buffer.Dispose();
            owner.CountAllocation(-1);
        }
        _buffers.Clear();
    }
}
