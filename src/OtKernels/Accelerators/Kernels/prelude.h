/* The common subset of OpenCL C and CUDA C that the kernel files are written in
   (DESIGN.md, Accelerators). The host defines OTK_OPENCL or OTK_CUDA before this text.
   Every kernel ends its parameter list with LOCAL_SCRATCH_PARAM and starts its body with
   LOCAL_SCRATCH_DECL: the dynamic local (shared) memory of its work-group, as floats. */
#if defined(OTK_CUDA)
#define KERNEL extern "C" __global__
#define DEVICE static __device__ __forceinline__
#define GLOBAL
#define LOCAL
#define RESTRICT __restrict__
#define GROUP_ID() ((long)blockIdx.x)
#define LOCAL_ID() ((int)threadIdx.x)
#define LOCAL_SIZE() ((int)blockDim.x)
#define BARRIER() __syncthreads()
#define LOCAL_SCRATCH_PARAM
#define LOCAL_SCRATCH_DECL extern __shared__ float scratch[];
#define EXP2(x) exp2f(x)
#define EXP(x) expf(x)
#define SQRT(x) sqrtf(x)
#define LOG(x) logf(x)
#define OTK_NAN __int_as_float(0x7fffffff)
#define LOG2(x) log2f(x)
#define FMAX(x, y) fmaxf(x, y)
#define FABS(x) fabsf(x)
#define NEG_INF (-__int_as_float(0x7f800000))
#else
#define KERNEL __kernel
#define DEVICE static inline
#define GLOBAL __global
#define LOCAL __local
#define RESTRICT restrict
#define GROUP_ID() ((long)get_group_id(0))
#define LOCAL_ID() ((int)get_local_id(0))
#define LOCAL_SIZE() ((int)get_local_size(0))
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)
#define LOCAL_SCRATCH_PARAM , __local float* scratch
#define LOCAL_SCRATCH_DECL
#define EXP2(x) exp2(x)
#define EXP(x) exp(x)
#define SQRT(x) sqrt(x)
#define LOG(x) log(x)
#define OTK_NAN NAN
#define LOG2(x) log2(x)
#define FMAX(x, y) fmax(x, y)
#define FABS(x) fabs(x)
#define NEG_INF (-INFINITY)
#endif

#define LOG2E 1.4426950408889634f
#define LN2 0.6931471805599453f

/* Sum of v over the work-group, returned to every work-item; red holds LOCAL_SIZE()
   floats of local memory. A tree over any group size, log2(size) barriers. */
DEVICE float group_sum(float v, LOCAL float* red)
{
    int lid = LOCAL_ID(), size = LOCAL_SIZE();
    red[lid] = v;
    BARRIER();
    for (int s = 1; s < size; s <<= 1)
    {
        if ((lid & (2 * s - 1)) == 0 && lid + s < size) red[lid] += red[lid + s];
        BARRIER();
    }
    float total = red[0];
    BARRIER();
    return total;
}

DEVICE float group_max(float v, LOCAL float* red)
{
    int lid = LOCAL_ID(), size = LOCAL_SIZE();
    red[lid] = v;
    BARRIER();
    for (int s = 1; s < size; s <<= 1)
    {
        if ((lid & (2 * s - 1)) == 0 && lid + s < size) red[lid] = FMAX(red[lid], red[lid + s]);
        BARRIER();
    }
    float total = red[0];
    BARRIER();
    return total;
}
