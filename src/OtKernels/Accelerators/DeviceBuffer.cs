// Device memory owned by a SafeHandle: released exactly once, by Dispose or, if a caller
// forgets, by the finaliser, so an exception between allocation and use leaks nothing.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OtKernels.Accelerators;

/// <summary>A backend's allocation: an OpenCL cl_mem or a CUDA device pointer.</summary>
public abstract class DeviceMemory : SafeHandle
{
    private readonly DeviceAccelerator _owner;

    private protected DeviceMemory(DeviceAccelerator owner, long bytes) : base(IntPtr.Zero, ownsHandle: true)
    {
        _owner = owner;
        Bytes = bytes;
    }

    public long Bytes { get; }
    public override bool IsInvalid => handle == IntPtr.Zero;
    internal IntPtr Pointer => handle;

    internal void SetPointer(IntPtr pointer)
    {
        SetHandle(pointer);
        _owner.CountAllocation(+1);
    }

    /// <summary>Frees the device memory; false if the API refused.</summary>
    private protected abstract bool Free();

    protected sealed override bool ReleaseHandle()
    {
        _owner.CountAllocation(-1);
        return Free();
    }
}

/// <summary>Count values of T in device memory. Dispose to free the memory now.</summary>
public sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    internal DeviceBuffer(DeviceAccelerator owner, DeviceMemory memory, long count)
    {
        Owner = owner; Memory = memory; Count = count;
    }

    /// <summary>Copies move at most this many elements at a time, so that a span of more
    /// than 2 GiB (a million 64-point clouds in R^16) never becomes one byte span.</summary>
    private static int ChunkElements => (1 << 28) / Unsafe.SizeOf<T>();

    internal DeviceAccelerator Owner { get; }
    internal DeviceMemory Memory { get; }
    public long Count { get; }

    /// <summary>Copies values into the buffer from element offset on (blocking).</summary>
    public void Upload(ReadOnlySpan<T> values, long offset = 0)
    {
        CheckRange(offset, values.Length);
        for (int start = 0; start < values.Length; start += ChunkElements)
        {
            ReadOnlySpan<T> chunk = values.Slice(start, Math.Min(ChunkElements, values.Length - start));
            Owner.Write(Memory, MemoryMarshal.AsBytes(chunk), (offset + start) * Unsafe.SizeOf<T>());
        }
    }

    /// <summary>Copies the buffer from element offset on into destination (blocking; waits
    /// for the kernels before it).</summary>
    public void Download(Span<T> destination, long offset = 0)
    {
        CheckRange(offset, destination.Length);
        for (int start = 0; start < destination.Length; start += ChunkElements)
        {
            Span<T> chunk = destination.Slice(start, Math.Min(ChunkElements, destination.Length - start));
            Owner.Read(Memory, MemoryMarshal.AsBytes(chunk), (offset + start) * Unsafe.SizeOf<T>());
        }
    }

    public T[] ToArray()
    {
        var values = new T[checked((int)Count)];
        Download(values);
        return values;
    }

    private void CheckRange(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(Memory.IsClosed, this);
        if (offset < 0 || offset + length > Count)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Elements [{offset}, {offset + length}) are outside a buffer of {Count}.");
    }

    public void Dispose() => Memory.Dispose();
}
