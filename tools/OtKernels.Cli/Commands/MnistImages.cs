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
        int pixels = split.Height * split.Width;
        var values = new float[count * pixels];
        for (int i = 0; i < values.Length; i++) values[i] = split.Images[start * pixels + i] / 255f;
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = split.Labels[start + i];
        return new LabelledImages(values, labels, 1, split.Height, split.Width);
    }
}
