// What OpenCL and CUDA have in common: buffers, programs compiled once per device from the
// kernel sources of Kernels/ (cached by source and defines), and launches of one-dimensional
// grids of work-groups with a dynamic local-memory scratch.
namespace OtKernels.Accelerators;

/// <summary>A compiled kernel entry point of a backend.</summary>
internal abstract class DeviceKernel
{
    public abstract string Name { get; }
}

public abstract class DeviceAccelerator : Accelerator
{
    private readonly Dictionary<string, object> _programs = [];
    private readonly Dictionary<(object, string), DeviceKernel> _kernels = [];
    private bool _disposed;
    private int _liveBuffers;

    /// <summary>A lock held around argument setting and launch: an OpenCL kernel object's
    /// arguments are shared state, so launches from several threads take turns.</summary>
    internal object LaunchLock { get; } = new();

    /// <summary>Streaming multiprocessors or compute units.</summary>
    public abstract int ComputeUnits { get; }
    public abstract double ClockMHz { get; }
    public abstract long GlobalMemoryBytes { get; }

    /// <summary>The most local (shared) memory one work-group may use.</summary>
    public abstract long LocalMemoryBytes { get; }
    public abstract int MaxGroupSize { get; }

    /// <summary>Peak float32 FLOP/s (a fused multiply-add counts 2), when the device type is
    /// known; null otherwise.</summary>
    public virtual double? PeakFlopsPerSecond => null;

    /// <summary>Peak exponentials per second of the special-function units, when known.</summary>
    public virtual double? PeakExpPerSecond => null;

    /// <summary>Device allocations not yet freed: what a leak check reads.</summary>
    public int LiveBuffers => Volatile.Read(ref _liveBuffers);

    internal void CountAllocation(int change) => Interlocked.Add(ref _liveBuffers, change);

    public DeviceBuffer<T> Allocate<T>(long count) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long bytes = checked(Math.Max(count, 1) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return new DeviceBuffer<T>(this, AllocateMemory(bytes), count);
    }

    /// <summary>A new buffer holding values.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        DeviceBuffer<T> buffer = Allocate<T>(values.Length);
        try { buffer.Upload(values); }
        catch { buffer.Dispose(); throw; }
        return buffer;
    }

    /// <summary>Waits until every launched kernel has finished.</summary>
    public abstract void Synchronize();

    internal abstract DeviceMemory AllocateMemory(long bytes);
    internal abstract void Write(DeviceMemory memory, ReadOnlySpan<byte> source, long byteOffset);
    internal abstract void Read(DeviceMemory memory, Span<byte> destination, long byteOffset);

    /// <summary>Compiles source for this device (throws with the compiler's log on failure).</summary>
    private protected abstract object Compile(string source, string family);
    private protected abstract DeviceKernel CreateKernel(object program, string name);
    private protected abstract void ReleaseProgram(object program);

    /// <summary>Sets the arguments and launches groups x groupSize work-items with
    /// localBytes of dynamic local memory.</summary>
    internal abstract void LaunchCore(DeviceKernel kernel, int groups, int groupSize, int localBytes, ReadOnlySpan<KernelArg> args);

    /// <summary>Kernel name of family (a file of Kernels/), compiled with the given #defines
    /// on first use and cached for the life of this accelerator.</summary>
    internal DeviceKernel Kernel(string family, string name, string defines = "")
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_programs)
        {
            string key = family + "\n" + defines;
            if (!_programs.TryGetValue(key, out object? program))
                _programs[key] = program = Compile(KernelSource.Compose(family, defines, Kind), family);
            if (!_kernels.TryGetValue((program, name), out DeviceKernel? kernel))
                _kernels[(program, name)] = kernel = CreateKernel(program, name);
            return kernel;
        }
    }

    internal void Launch(DeviceKernel kernel, int groups, int groupSize, int localBytes, params ReadOnlySpan<KernelArg> args)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (groups == 0) return;
        if (groupSize < 1 || groupSize > MaxGroupSize)
            throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, $"{kernel.Name}: a work-group of {groupSize} on a device that allows 1..{MaxGroupSize}.");
        if (localBytes > LocalMemoryBytes)
            throw new ArgumentOutOfRangeException(nameof(localBytes), localBytes,
                $"{kernel.Name} needs {localBytes} bytes of local memory per work-group; {Name} has {LocalMemoryBytes}. Use smaller problems (fewer points or dimensions).");
        lock (LaunchLock) LaunchCore(kernel, groups, groupSize, localBytes, args);
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        lock (_programs)
        {
            foreach (DeviceKernel kernel in _kernels.Values) (kernel as IDisposable)?.Dispose();
            foreach (object program in _programs.Values) ReleaseProgram(program);
            _kernels.Clear();
            _programs.Clear();
        }
    }
}
