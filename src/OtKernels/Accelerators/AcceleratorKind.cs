namespace OtKernels.Accelerators;

/// <summary>Where batched kernels run.</summary>
public enum AcceleratorKind
{
    /// <summary>CUDA if a device answers, else an OpenCL GPU, else the CPU (DESIGN.md, Accelerators).</summary>
    Auto,
    /// <summary>The SIMD multi-threaded CPU code: the default and the reference.</summary>
    Cpu,
    /// <summary>The first OpenCL device (a GPU if there is one; PoCL runs the kernels on the CPU).</summary>
    OpenCl,
    /// <summary>The first CUDA device, kernels compiled at run time by NVRTC.</summary>
    Cuda,
}
