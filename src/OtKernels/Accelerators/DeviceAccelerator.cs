// A device of the ILGPU runtime behind the Accelerator interface: what a caller may ask of
// it (limits, peaks, buffers still alive), and the one place a device operation runs, so
// that ILGPU's and the driver's failures reach the caller with the device and the
// operation named.
using ILGPU.Runtime.Cuda;
using IlgpuAccelerator = ILGPU.Runtime.Accelerator;

namespace OtKernels.Accelerators;

/// <summary>A device of the ILGPU runtime: a CUDA GPU, an OpenCL 2.0+ device or ILGPU's CPU accelerator. Operations given it run the device kernels in float32; one operation runs at a time.</summary>
public sealed class DeviceAccelerator : Accelerator
{
    private readonly IlgpuAccelerator _device;
    private readonly Lock _gate = new();
    private int _liveBuffers;
    private bool _disposed;

    internal DeviceAccelerator(IlgpuAccelerator device, AcceleratorKind kind)
    {
        _device = device;
        Kind = kind;
    }

    /// <inheritdoc/>
    public override AcceleratorKind Kind { get; }
    /// <inheritdoc/>
    public override string Name => _device.Name;

    /// <summary>The ILGPU accelerator the kernels launch on.</summary>
    internal IlgpuAccelerator Device
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _device;
        }
    }

    /// <summary>Streaming multiprocessors or compute units.</summary>
    public int ComputeUnits => _device.NumMultiprocessors;
    /// <summary>The device's memory in bytes (long.MaxValue for ILGPU's CPU accelerator, which uses the host's).</summary>
    public long GlobalMemoryBytes => _device.MemorySize;

    /// <summary>The most shared (local) memory one group may use.</summary>
    public long SharedMemoryBytes => _device.MaxSharedMemoryPerGroup;
    /// <summary>The most threads one group may have.</summary>
    public int MaxGroupSize => _device.MaxNumThreadsPerGroup;
    /// <summary>Threads per warp (32 on NVIDIA GPUs).</summary>
    public int WarpSize => _device.WarpSize;

    /// <summary>The core clock of a CUDA device; null elsewhere.</summary>
    public double? ClockMHz => _device is CudaAccelerator cuda ? cuda.ClockRate / 1000.0 : null;

    /// <summary>Peak float32 FLOP/s of a CUDA device (a fused multiply-add counts 2): 64 FP32
    /// lanes per SM on compute capability 6.0, 7.x and 8.0, 128 on the others (8.6, 8.9, 9.0).</summary>
    public double? PeakFlopsPerSecond => _device is CudaAccelerator { Architecture: var arch } && ClockMHz is double mhz
        ? (arch.Major == 7 || (arch.Major is 6 or 8 && arch.Minor == 0) ? 64 : 128) * 2.0 * ComputeUnits * mhz * 1e6
        : null;

    /// <summary>Peak exponentials per second of a CUDA device: 16 special-function results per
    /// SM per clock (ex2.approx), compute capability 7.0 to 9.0.</summary>
    public double? PeakExpPerSecond => _device is CudaAccelerator && ClockMHz is double mhz ? 16.0 * ComputeUnits * mhz * 1e6 : null;

    /// <summary>Device allocations not yet freed: what a leak check reads.</summary>
    public int LiveBuffers => Volatile.Read(ref _liveBuffers);

    internal void CountAllocation(int change) => Interlocked.Add(ref _liveBuffers, change);

    /// <summary>A scope for one operation's device buffers, all freed when it is disposed.</summary>
    internal DeviceBuffers Buffers() => new(this);

    /// <summary>Waits until every launched kernel has finished.</summary>
    public void Synchronize() => Device.Synchronize();

    internal override T Run<T>(string operation, Func<T> onCpu, Func<DeviceAccelerator, T> onDevice)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            // One operation at a time per device, on the calling thread's binding: a CUDA
            // context is current per thread, and callers may come from any thread.
            lock (_gate)
            {
                _device.Bind();
                return onDevice(this);
            }
        }
        catch (Exception e) when (e is not (ArgumentException or InsufficientMemoryException or AcceleratorException or OperationCanceledException))
        {
            // ILGPU's and the driver's errors (ILGPU.Runtime.AcceleratorException: CUDA and OpenCL
            // codes; InternalCompilerException, CapabilityNotSupportedException: a kernel the
            // backend cannot compile) and anything else a launch throws; the argument checks
            // and the memory refusal already name what they refuse.
            throw new AcceleratorException(Name, operation, e);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing) _device.Dispose();
        base.Dispose(disposing);
    }
}
