namespace OtKernels.Accelerators;

/// <summary>Where batched kernels run.</summary>
public enum AcceleratorKind
{
    /// <summary>A CUDA GPU if one answers, else an OpenCL 2.0+ device ILGPU supports, else the
    /// CPU code (DESIGN.md, Accelerators).</summary>
    Auto,
    /// <summary>The SIMD multi-threaded CPU code: the default and the reference.</summary>
    Cpu,
    /// <summary>The first CUDA device: ILGPU's PTX loaded by the driver (no toolkit needed).</summary>
    Cuda,
    /// <summary>The first OpenCL device with OpenCL 2.0+ and the generic address space.</summary>
    OpenCl,
    /// <summary>ILGPU's CPU accelerator: the device kernels themselves, run on CPU threads (one
    /// .NET thread per kernel thread; slow, for tests and for checking the kernels anywhere).</summary>
    IlgpuCpu,
}
