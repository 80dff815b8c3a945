// A stable least-significant-digit radix sort of items by double keys, for the starting
// basis's candidate lists (about a thousand keys per MNIST pair, sorted once per level):
// eight byte passes over an order-preserving integer image of the keys, skipping the passes
// in which every key has the same byte, beat the comparison sort's branch mispredictions.
// Stable, so equal keys keep their input order and the result does not depend on the
// sort's pivots.
namespace OtKernels.Exact;

internal static class RadixSort
{
    /// <summary>Orders items by their keys (item k has key k), ascending and stable; keys
    /// must not be NaN. The three work spans, keys.Length long, are overwritten.</summary>
    public static void SortByKey(ReadOnlySpan<double> keys, Span<int> items, Span<ulong> bits, Span<ulong> scratchBits, Span<int> scratchItems)
    {
        int count = keys.Length;
        for (int k = 0; k < count; k++) bits[k] = OrderedBits(keys[k]);
        Span<int> histogram = stackalloc int[256];
        for (int shift = 0; shift < 64; shift += 8)
        {
            histogram.Clear();
            for (int k = 0; k < count; k++) histogram[(int)(bits[k] >> shift) & 0xFF]++;
            if (histogram[(int)(bits[0] >> shift) & 0xFF] == count) continue; // one byte value: order unchanged
            for (int b = 0, sum = 0; b < 256; b++) (histogram[b], sum) = (sum, sum + histogram[b]);
            for (int k = 0; k < count; k++)
            {
                int at = histogram[(int)(bits[k] >> shift) & 0xFF]++;
                scratchBits[at] = bits[k];
                scratchItems[at] = items[k];
            }
            scratchBits[..count].CopyTo(bits);
            scratchItems[..count].CopyTo(items);
        }
    }

    /// <summary>An unsigned integer whose order is the double's (IEEE 754: flip every bit of
    /// a negative, the sign bit of a positive).</summary>
    private static ulong OrderedBits(double key)
    {
        ulong raw = (ulong)BitConverter.DoubleToInt64Bits(key);
        return (raw & 0x8000_0000_0000_0000UL) != 0 ? ~raw : raw | 0x8000_0000_0000_0000UL;
    }
}
