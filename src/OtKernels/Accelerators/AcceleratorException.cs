namespace OtKernels.Accelerators;

/// <summary>A device API call failed. <see cref="ErrorName"/> is the API's own name for the
/// error (CL_OUT_OF_RESOURCES, CUDA_ERROR_OUT_OF_MEMORY, NVRTC_ERROR_COMPILATION, ...).</summary>
public sealed class AcceleratorException : Exception
{
    public AcceleratorException(string call, string errorName, int code, string? detail = null)
        : base($"{call} failed: {errorName} ({code}){(detail is null ? "" : $"\n{detail}")}")
    {
        Call = call;
        ErrorName = errorName;
        Code = code;
    }

    /// <summary>The API function that failed, e.g. clBuildProgram.</summary>
    public string Call { get; }
    public string ErrorName { get; }
    public int Code { get; }
}
