// Seeded shuffling into mini-batches: epoch e of a run with seed s visits the examples in a
// permutation drawn from Random(s, e) alone, so an interrupted training that resumes at epoch
// e sees the same batches it would have seen.
using OtKernels;

namespace OtNet.Data;

/// <summary>Seeded shuffles of a data set into mini-batches.</summary>
public static class MiniBatches
{
    /// <summary>The batches of one epoch: index arrays of <paramref name="batchSize"/> (the last
    /// one shorter unless <paramref name="dropLast"/>).</summary>
    public static IEnumerable<int[]> Shuffled(int count, int batchSize, int seed, int epoch, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        int[] order = Permutation(count, seed, epoch);
        for (int start = 0; start < count; start += batchSize)
        {
            int length = Math.Min(batchSize, count - start);
            if (length < batchSize && dropLast) yield break;
            yield return order[start..(start + length)];
        }
    }

    /// <summary>A Fisher-Yates permutation of 0..count-1 from a generator seeded by (seed, epoch).</summary>
    public static int[] Permutation(int count, int seed, int epoch)
    {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        Random rng = Seeds.Generator(seed, epoch); // the same in every process
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
