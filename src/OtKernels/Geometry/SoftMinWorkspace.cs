// The scratch memory of soft-mins, owned by whoever runs them (a solver's worker, a user's
// loop) and reused from call to call, so that iterations allocate nothing (STYLE.md section
// 6). One workspace serves one thread at a time. Each buffer has one purpose, named below:
// a soft-min uses its buffers while it runs, and a stored Gibbs kernel keeps its own for the
// solver stage it serves, so one workspace holds one stored kernel at a time.
using System.Numerics;

namespace OtKernels.Geometry;

/// <summary>Reusable scratch for <see cref="GroundCost.SoftMin{T}(SoftMinAxis, T, ReadOnlySpan{T}, Span{T}, SoftMinWorkspace{T})"/>:
/// pass the same one to every call of a loop so that the calls allocate nothing. Not for
/// two threads at once.</summary>
public sealed class SoftMinWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _block = [], _sums = [], _partial = [], _lines = [], _kernel = [], _transposed = [];
    private double[] _costs = [];
    private int[] _indices = [];

    /// <summary>The most entries a stored Gibbs kernel may have here (GibbsKernel.MaxStoredEntries
    /// by default). A solver that already holds several n x m arrays of its own (Gromov–
    /// Wasserstein) raises it: two more cost less than an exp per entry and iteration.</summary>
    internal long StoredEntriesLimit { get; set; } = GibbsKernel<T>.MaxStoredEntries;

    /// <summary>A block of soft-min rows (or the exponentials of a grid pass).</summary>
    internal Span<T> Block(int length) => Take(ref _block, length);

    /// <summary>Row sums of a block (or of a grid pass).</summary>
    internal Span<T> Sums(int length) => Take(ref _sums, length);

    /// <summary>A grid's first separable pass, transposed.</summary>
    internal Span<T> Partial(int length) => Take(ref _partial, length);

    /// <summary>Per-line values of a grid pass: shifts, weights, exact sums.</summary>
    internal Span<T> Lines(int length) => Take(ref _lines, length);

    /// <summary>A stored Gibbs kernel K = exp(-(C - min C)/eps), n x m (GibbsKernel).</summary>
    internal Span<T> Kernel(int length) => Take(ref _kernel, length);

    /// <summary>The stored kernel's transpose, m x n.</summary>
    internal Span<T> Transposed(int length) => Take(ref _transposed, length);

    /// <summary>The costs a Gibbs kernel is made from.</summary>
    internal Span<double> Costs(int length) => Take(ref _costs, length);

    /// <summary>0, 1, ..., length - 1: the rows and columns of a whole cost.</summary>
    internal Span<int> Indices(int length)
    {
        Span<int> indices = Take(ref _indices, length);
        for (int k = 0; k < length; k++) indices[k] = k;
        return indices;
    }

    /// <summary>buffer grown (doubling) to hold length values; its first length.</summary>
    internal static Span<TValue> Take<TValue>(ref TValue[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new TValue[Math.Max(length, 2 * buffer.Length)];
        return buffer.AsSpan(0, length);
    }
}
