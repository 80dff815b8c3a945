// One OpenCL device: its context and in-order command queue. PoCL (Debian pocl-opencl-icd)
// presents the CPU as an OpenCL device, which is how every test run executes the kernels.
using System.Text;
using static OtKernels.Accelerators.OpenCl.OpenClApi;

namespace OtKernels.Accelerators.OpenCl;

public sealed unsafe class OpenClAccelerator : DeviceAccelerator
{
    private readonly IntPtr _device, _context, _queue;

    private OpenClAccelerator(IntPtr platform, IntPtr device)
    {
        _device = device;
        Platform = InfoString(p => clGetPlatformInfo(platform, PlatformName, 0, null, p),
            (s, v) => clGetPlatformInfo(platform, PlatformName, s, v, null));
        Name = DeviceString(DeviceName);
        Vendor = DeviceString(DeviceVendor);
        Version = DeviceString(DeviceVersion);
        IsGpu = (DeviceValue<ulong>(DeviceType) & DeviceTypeGpu) != 0;
        ComputeUnits = (int)DeviceValue<uint>(DeviceMaxComputeUnits);
        ClockMHz = DeviceValue<uint>(DeviceMaxClockFrequency);
        GlobalMemoryBytes = (long)DeviceValue<ulong>(DeviceGlobalMemSize);
        MaxAllocationBytes = (long)DeviceValue<ulong>(DeviceMaxMemAllocSize);
        LocalMemoryBytes = (long)DeviceValue<ulong>(DeviceLocalMemSize);
        MaxGroupSize = (int)Math.Min(DeviceValue<nuint>(DeviceMaxWorkGroupSize), 1024);
        int error;
        IntPtr d = device;
        _context = clCreateContext(null, 1, &d, IntPtr.Zero, IntPtr.Zero, &error);
        Check(error, "clCreateContext");
        _queue = clCreateCommandQueue(_context, device, 0, &error);
        if (error != 0)
        {
            clReleaseContext(_context);
            Check(error, "clCreateCommandQueue");
        }
    }

    /// <summary>Why no OpenCL device was found, or null when one was.</summary>
    public static string? Unavailable { get; private set; }

    public override AcceleratorKind Kind => AcceleratorKind.OpenCl;
    public override string Name { get; }
    public string Platform { get; }
    public string Vendor { get; }
    public string Version { get; }
    public bool IsGpu { get; }
    public override int ComputeUnits { get; }
    public override double ClockMHz { get; }
    public override long GlobalMemoryBytes { get; }
    public long MaxAllocationBytes { get; }
    public override long LocalMemoryBytes { get; }
    public override int MaxGroupSize { get; }

    /// <summary>The first device (the first GPU when gpuOnly), or null with Unavailable set.</summary>
    internal static OpenClAccelerator? Create(bool gpuOnly)
    {
        foreach ((IntPtr platform, IntPtr device, bool gpu) in Devices())
            if (gpu || !gpuOnly) return new OpenClAccelerator(platform, device);
        if (gpuOnly && Unavailable is null) Unavailable = "no OpenCL GPU";
        return null;
    }

    internal static IEnumerable<OpenClAccelerator> CreateAll() =>
        Devices().Select(d => new OpenClAccelerator(d.Platform, d.Device)).ToList();

    private static List<(IntPtr Platform, IntPtr Device, bool Gpu)> Devices()
    {
        var found = new List<(IntPtr, IntPtr, bool)>();
        if (NativeLibraries.Probe(NativeLibraries.OpenCl) is { } missing) { Unavailable = missing; return found; }
        uint count;
        int status = clGetPlatformIDs(0, null, &count);
        if (status == -1001 || count == 0) { Unavailable = "the OpenCL loader found no platform (install a driver, e.g. pocl-opencl-icd)"; return found; }
        Check(status, "clGetPlatformIDs");
        var platforms = new IntPtr[count];
        fixed (IntPtr* p = platforms) Check(clGetPlatformIDs(count, p, null), "clGetPlatformIDs");
        foreach (IntPtr platform in platforms)
        {
            uint devices;
            if (clGetDeviceIDs(platform, DeviceTypeAll, 0, null, &devices) != 0 || devices == 0) continue;
            var ids = new IntPtr[devices];
            fixed (IntPtr* d = ids) Check(clGetDeviceIDs(platform, DeviceTypeAll, devices, d, null), "clGetDeviceIDs");
            foreach (IntPtr id in ids)
            {
                ulong type;
                Check(clGetDeviceInfo(id, DeviceType, sizeof(ulong), &type, null), "clGetDeviceInfo");
                found.Add((platform, id, (type & DeviceTypeGpu) != 0));
            }
        }
        Unavailable = found.Count == 0 ? "no OpenCL device on any platform" : null;
        return found;
    }

    private T DeviceValue<T>(uint param) where T : unmanaged
    {
        T value;
        Check(clGetDeviceInfo(_device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }

    private string DeviceString(uint param) =>
        InfoString(p => clGetDeviceInfo(_device, param, 0, null, p), (s, v) => clGetDeviceInfo(_device, param, s, v, null));

    private delegate int SizeQuery(nuint* size);
    private delegate int ValueQuery(nuint size, void* value);

    private static string InfoString(SizeQuery size, ValueQuery value)
    {
        nuint length;
        Check(size(&length), "clGet*Info");
        var bytes = new byte[(int)length];
        fixed (byte* b = bytes) Check(value(length, b), "clGet*Info");
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    public override void Synchronize() => Check(clFinish(_queue), "clFinish");

    internal override DeviceMemory AllocateMemory(long bytes)
    {
        var memory = new OpenClMemory(this, bytes);
        int error;
        IntPtr buffer = clCreateBuffer(_context, MemReadWrite, (nuint)bytes, null, &error);
        Check(error, "clCreateBuffer", $"{bytes} bytes on {Name} (at most {MaxAllocationBytes} per buffer)");
        memory.SetPointer(buffer);
        return memory;
    }

    internal override void Write(DeviceMemory memory, ReadOnlySpan<byte> source, long byteOffset)
    {
        if (source.IsEmpty) return;
        fixed (byte* s = source)
            Check(clEnqueueWriteBuffer(_queue, memory.Pointer, 1, (nuint)byteOffset, (nuint)source.Length, s, 0, null, null), "clEnqueueWriteBuffer");
    }

    internal override void Read(DeviceMemory memory, Span<byte> destination, long byteOffset)
    {
        if (destination.IsEmpty) return;
        fixed (byte* d = destination)
            Check(clEnqueueReadBuffer(_queue, memory.Pointer, 1, (nuint)byteOffset, (nuint)destination.Length, d, 0, null, null), "clEnqueueReadBuffer");
    }

    private protected override object Compile(string source, string family)
    {
        byte[] text = Encoding.UTF8.GetBytes(source);
        int error;
        IntPtr program;
        fixed (byte* t = text)
        {
            byte* strings = t;
            nuint length = (nuint)text.Length;
            program = clCreateProgramWithSource(_context, 1, &strings, &length, &error);
        }
        Check(error, "clCreateProgramWithSource");
        // A CPU device (PoCL) is here to exercise the kernels, not to be fast (CpuAccelerator is
        // the fast CPU path): its work-group compiler takes 15-20 s per optimised kernel
        // variant of sinkhorn.cl and about 1 s unoptimised, which decides how long tests take.
        byte[] options = Encoding.ASCII.GetBytes(IsGpu ? "-cl-std=CL1.2\0" : "-cl-std=CL1.2 -cl-opt-disable\0");
        IntPtr device = _device;
        int status;
        fixed (byte* o = options) status = clBuildProgram(program, 1, &device, o, IntPtr.Zero, IntPtr.Zero);
        if (status != 0)
        {
            string log = InfoString(p => clGetProgramBuildInfo(program, _device, ProgramBuildLog, 0, null, p),
                (s, v) => clGetProgramBuildInfo(program, _device, ProgramBuildLog, s, v, null));
            clReleaseProgram(program);
            Check(status, "clBuildProgram", $"{family} on {Name}:\n{log}");
        }
        return program;
    }

    private protected override DeviceKernel CreateKernel(object program, string name)
    {
        byte[] ascii = Encoding.ASCII.GetBytes(name + "\0");
        int error;
        IntPtr kernel;
        fixed (byte* n = ascii) kernel = clCreateKernel((IntPtr)program, n, &error);
        Check(error, "clCreateKernel", name);
        return new OpenClKernel(name, kernel);
    }

    private protected override void ReleaseProgram(object program) => clReleaseProgram((IntPtr)program);

    internal override void LaunchCore(DeviceKernel kernel, int groups, int groupSize, int localBytes, ReadOnlySpan<KernelArg> args)
    {
        IntPtr handle = ((OpenClKernel)kernel).Handle;
        for (int i = 0; i < args.Length; i++)
        {
            KernelArg arg = args[i];
            int status;
            switch (arg.Kind)
            {
                case KernelArg.ArgKind.Buffer:
                    IntPtr memory = arg.Buffer?.Pointer ?? IntPtr.Zero;
                    status = clSetKernelArg(handle, (uint)i, (nuint)sizeof(IntPtr), &memory);
                    break;
                case KernelArg.ArgKind.Int:
                    int v = arg.IntValue;
                    status = clSetKernelArg(handle, (uint)i, sizeof(int), &v);
                    break;
                default:
                    float f = arg.FloatValue;
                    status = clSetKernelArg(handle, (uint)i, sizeof(float), &f);
                    break;
            }
            Check(status, "clSetKernelArg", $"{kernel.Name}, argument {i}");
        }
        // The dynamic local scratch is the last parameter of every kernel (prelude.h).
        Check(clSetKernelArg(handle, (uint)args.Length, (nuint)Math.Max(localBytes, 16), null), "clSetKernelArg", $"{kernel.Name}, local scratch");
        nuint global = (nuint)groups * (nuint)groupSize, local = (nuint)groupSize;
        Check(clEnqueueNDRangeKernel(_queue, handle, 1, null, &global, &local, 0, null, null), "clEnqueueNDRangeKernel", kernel.Name);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (_queue != IntPtr.Zero) clReleaseCommandQueue(_queue);
        if (_context != IntPtr.Zero) clReleaseContext(_context);
    }

    private sealed class OpenClMemory(OpenClAccelerator owner, long bytes) : DeviceMemory(owner, bytes)
    {
        private protected override bool Free() => clReleaseMemObject(handle) == 0;
    }

    private sealed class OpenClKernel(string name, IntPtr handle) : DeviceKernel, IDisposable
    {
        public override string Name => name;
        public IntPtr Handle => handle;
        public void Dispose() => clReleaseKernel(handle);
    }
}
