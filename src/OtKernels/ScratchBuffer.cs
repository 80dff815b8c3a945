// Per-thread scratch arrays for inner loops, so that iterations allocate nothing
// (STYLE.md section 6). A buffer is only valid until the next Get of the same slot on the
// same thread; callers use distinct slots for buffers that live at the same time:
// 0 to 3 the soft-mins, 4 RowLogSumExp's row sums, 5 Sinkhorn's marginal check (and, briefly,
// the costs a GibbsKernel is made from), 6 and 7 a GibbsKernel's K and K^T for its solver stage.
namespace OtKernels;

internal static class ScratchBuffer<T>
{
    [ThreadStatic] private static T[]?[]? t_slots;

    public static Span<T> Get(int slot, int length)
    {
        T[]?[] slots = t_slots ??= new T[]?[8];
        T[]? buffer = slots[slot];
        if (buffer is null || buffer.Length < length) slots[slot] = buffer = new T[Math.Max(length, 2 * (buffer?.Length ?? 0))];
        return buffer.AsSpan(0, length);
    }
}
