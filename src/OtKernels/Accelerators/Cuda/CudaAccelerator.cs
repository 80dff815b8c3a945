// One CUDA device through the driver API: its primary context, kernels compiled from the
// shared sources by NVRTC for the device's compute capability, launches on the default
// stream. The context is made current on the calling thread before each call, so an
// accelerator may be used from any thread (launches still take turns).
using System.Text;
using static OtKernels.Accelerators.Cuda.CudaApi;

namespace OtKernels.Accelerators.Cuda;

public sealed unsafe class CudaAccelerator : DeviceAccelerator
{
    private readonly int _device;
    private readonly IntPtr _context;
    private readonly int _major, _minor;

    private CudaAccelerator(int ordinal)
    {
        int device;
        Check(cuDeviceGet(&device, ordinal), "cuDeviceGet");
        _device = device;
        byte* name = stackalloc byte[256];
        Check(cuDeviceGetName(name, 256, device), "cuDeviceGetName");
        Name = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)name) ?? $"CUDA device {ordinal}";
        _major = Attribute(AttributeComputeCapabilityMajor);
        _minor = Attribute(AttributeComputeCapabilityMinor);
        ComputeUnits = Attribute(AttributeMultiprocessorCount);
        ClockMHz = Attribute(AttributeClockRate) / 1000.0;
        LocalMemoryBytes = Attribute(AttributeMaxSharedMemoryPerBlockOptin);
        MaxGroupSize = Attribute(AttributeMaxThreadsPerBlock);
        nuint bytes;
        Check(cuDeviceTotalMem(&bytes, device), "cuDeviceTotalMem");
        GlobalMemoryBytes = (long)bytes;
        IntPtr context;
        Check(cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        _context = context;
    }

    /// <summary>Why no CUDA device was found, or null when one was.</summary>
    public static string? Unavailable { get; private set; }

    public override AcceleratorKind Kind => AcceleratorKind.Cuda;
    public override string Name { get; }
    public string ComputeCapability => $"{_major}.{_minor}";
    public override int ComputeUnits { get; }
    public override double ClockMHz { get; }
    public override long GlobalMemoryBytes { get; }
    public override long LocalMemoryBytes { get; }
    public override int MaxGroupSize { get; }

    /// <summary>FP32 lanes per SM x 2 FLOP per FMA x SMs x clock (CUDA C programming guide,
    /// arithmetic instruction throughput: 64 lanes on 6.0, 7.x and 8.0, 128 on the others).</summary>
    public override double? PeakFlopsPerSecond =>
        (_major == 7 || (_major == 8 && _minor == 0) || (_major == 6 && _minor == 0) ? 64 : 128) * 2.0 * ComputeUnits * ClockMHz * 1e6;

    /// <summary>Base-2 exponentials (MUFU.EX2) per SM per clock: 16 on every compute
    /// capability from 5.0 on (same table), times SMs and clock.</summary>
    public override double? PeakExpPerSecond => 16.0 * ComputeUnits * ClockMHz * 1e6;

    internal static CudaAccelerator? Create() => CreateAll().FirstOrDefault();

    internal static IEnumerable<CudaAccelerator> CreateAll()
    {
        if (NativeLibraries.Probe(NativeLibraries.Cuda) is { } missing) { Unavailable = missing; return []; }
        int status = cuInit(0);
        if (status != 0) { Unavailable = $"cuInit returned {ErrorName(status)}"; return []; }
        int count;
        Check(cuDeviceGetCount(&count), "cuDeviceGetCount");
        Unavailable = count == 0 ? "the driver reports no CUDA device" : null;
        return Enumerable.Range(0, count).Select(i => new CudaAccelerator(i)).ToList();
    }

    private int Attribute(int attribute)
    {
        int value;
        Check(cuDeviceGetAttribute(&value, attribute, _device), "cuDeviceGetAttribute");
        return value;
    }

    private void MakeCurrent() => Check(cuCtxSetCurrent(_context), "cuCtxSetCurrent");

    public override void Synchronize()
    {
        MakeCurrent();
        Check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    internal override DeviceMemory AllocateMemory(long bytes)
    {
        MakeCurrent();
        var memory = new CudaMemory(this, bytes);
        ulong pointer;
        Check(cuMemAlloc(&pointer, (nuint)bytes), "cuMemAlloc", $"{bytes} bytes on {Name}");
        memory.SetPointer((IntPtr)(long)pointer);
        return memory;
    }

    internal override void Write(DeviceMemory memory, ReadOnlySpan<byte> source, long byteOffset)
    {
        if (source.IsEmpty) return;
        MakeCurrent();
        fixed (byte* s = source)
            Check(cuMemcpyHtoD((ulong)memory.Pointer + (ulong)byteOffset, s, (nuint)source.Length), "cuMemcpyHtoD");
    }

    internal override void Read(DeviceMemory memory, Span<byte> destination, long byteOffset)
    {
        if (destination.IsEmpty) return;
        MakeCurrent();
        fixed (byte* d = destination)
            Check(cuMemcpyDtoH(d, (ulong)memory.Pointer + (ulong)byteOffset, (nuint)destination.Length), "cuMemcpyDtoH");
    }

    private protected override object Compile(string source, string family)
    {
        if (NativeLibraries.Probe(NativeLibraries.Nvrtc) is { } missing)
            throw new InvalidOperationException($"Cannot compile {family} for {Name}: {missing}");
        byte[] ptx = NvrtcApi.CompileToPtx(source, family, _major, _minor);
        MakeCurrent();
        IntPtr module;
        fixed (byte* p = ptx) Check(cuModuleLoadData(&module, p), "cuModuleLoadData", family);
        return module;
    }

    private protected override DeviceKernel CreateKernel(object program, string name)
    {
        MakeCurrent();
        IntPtr function;
        fixed (byte* n = Encoding.ASCII.GetBytes(name + "\0"))
            Check(cuModuleGetFunction(&function, (IntPtr)program, n), "cuModuleGetFunction", name);
        return new CudaKernel(name, function);
    }

    private protected override void ReleaseProgram(object program)
    {
        if (cuCtxSetCurrent(_context) == 0) cuModuleUnload((IntPtr)program);
    }

    internal override void LaunchCore(DeviceKernel kernel, int groups, int groupSize, int localBytes, ReadOnlySpan<KernelArg> args)
    {
        MakeCurrent();
        var cuda = (CudaKernel)kernel;
        if (localBytes > cuda.DynamicSharedLimit)
        {
            // Above 48 KiB a kernel must opt in to the larger shared memory (programming guide, 
            // "Shared Memory" of compute capability 7.x and later).
            Check(cuFuncSetAttribute(cuda.Function, FunctionAttributeMaxDynamicSharedSizeBytes, localBytes), "cuFuncSetAttribute", kernel.Name);
            cuda.DynamicSharedLimit = localBytes;
        }
        ulong* values = stackalloc ulong[args.Length];
        void** parameters = stackalloc void*[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            KernelArg arg = args[i];
            values[i] = 0;
            switch (arg.Kind)
            {
                case KernelArg.ArgKind.Buffer: values[i] = (ulong)(arg.Buffer?.Pointer ?? IntPtr.Zero); break;
                case KernelArg.ArgKind.Int: *(int*)&values[i] = arg.IntValue; break;
                default: *(float*)&values[i] = arg.FloatValue; break;
            }
            parameters[i] = &values[i];
        }
        Check(cuLaunchKernel(cuda.Function, (uint)groups, 1, 1, (uint)groupSize, 1, 1, (uint)localBytes, IntPtr.Zero, parameters, null),
            "cuLaunchKernel", $"{kernel.Name}: {groups} x {groupSize}, {localBytes} bytes shared");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        cuDevicePrimaryCtxRelease(_device);
    }

    private sealed class CudaMemory(CudaAccelerator owner, long bytes) : DeviceMemory(owner, bytes)
    {
        private protected override bool Free() =>
            cuCtxSetCurrent(owner._context) == 0 && cuMemFree((ulong)handle) == 0;
    }

    private sealed class CudaKernel(string name, IntPtr function) : DeviceKernel
    {
        public override string Name => name;
        public IntPtr Function => function;
        public int DynamicSharedLimit { get; set; } = 48 * 1024;
    }
}
