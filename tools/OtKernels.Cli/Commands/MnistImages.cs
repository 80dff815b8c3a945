// MNIST images as the OtNet networks take them: bytes scaled to [0, 1], [count, 1, 28, 28],
// with their labels. One conversion for the commands that train on images.
using OtKernels.Data;
using OtNet.Data;

namespace OtKernels.Cli.Commands;

internal static class MnistImages
{
    /// <summary>count images of split from start on (count 0: all from start).</summary>
    public static LabelledImages Of(MnistSplit split, int start, int count)
    {
        if (start < 0 || start > split.Count) throw new ArgumentOutOfRangeException(nameof(start), start, $"The split has {split.Count} images.");
        count = count == 0 ? split.Count - start : Math.Min(count, split.Count - start);
        return Of(split, Enumerable.Range(start, count).ToArray());
    }

    /// <summary>The images of split at indices, in that order.</summary>
    public static LabelledImages Of(MnistSplit split, int[] indices)
    {
        int pixels = split.Height * split.Width;
        var values = new float[indices.Length * pixels];
        for (int k = 0; k < indices.Length; k++)
            for (int p = 0; p < pixels; p++) values[k * pixels + p] = split.Images[indices[k] * pixels + p] / 255f;
        return new LabelledImages(values, [.. indices.Select(i => (int)split.Labels[i])], 1, split.Height, split.Width);
    }
}
