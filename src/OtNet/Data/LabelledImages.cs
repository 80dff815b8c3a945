// Images with class labels held in one flat float array ([count, channels, height, width],
// NCHW), e.g. MNIST scaled to [0, 1]. FillBatch copies the indexed examples into a batch
// tensor, so training allocates nothing per batch.
namespace OtNet.Data;

/// <summary>Images [count, channels, height, width] with integer labels.</summary>
public sealed class LabelledImages : IDataSet<(ReadOnlyMemory<float> Pixels, int Label)>
{
    private readonly float[] _pixels;
    private readonly int[] _labels;

    /// <summary>Wraps pixels [count, channels, height, width] and one label per image.</summary>
    public LabelledImages(float[] pixels, int[] labels, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        SampleShape = [channels, height, width];
        SampleLength = checked(channels * height * width);
        if (SampleLength <= 0) throw new ArgumentOutOfRangeException(nameof(channels), "Every image dimension must be positive.");
        if (pixels.Length != labels.Length * SampleLength)
            throw new ArgumentException($"pixels has {pixels.Length} values for {labels.Length} images of {SampleLength}.", nameof(pixels));
        _pixels = pixels;
        _labels = labels;
    }

    /// <inheritdoc/>
    public int Count => _labels.Length;
    /// <summary>The shape of one image: [channels, height, width].</summary>
    public int[] SampleShape { get; }
    /// <summary>Floats per image.</summary>
    public int SampleLength { get; }

    /// <summary>Every image's pixels, [count, channels, height, width].</summary>
    public ReadOnlySpan<float> Pixels => _pixels;

    /// <summary>Every image's label.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <inheritdoc/>
    public (ReadOnlyMemory<float> Pixels, int Label) this[int index] => (_pixels.AsMemory(index * SampleLength, SampleLength), _labels[index]);

    /// <summary>Copies examples <paramref name="indices"/> into images (batch = indices.Length) and labels.</summary>
    public void FillBatch(ReadOnlySpan<int> indices, Tensor images, Span<int> labels)
    {
        images.ThrowIfShapeIsNot([indices.Length, .. SampleShape], nameof(images));
        if (labels.Length != indices.Length) throw new ArgumentException($"labels has room for {labels.Length}, the batch has {indices.Length}.", nameof(labels));
        for (int s = 0; s < indices.Length; s++)
        {
            _pixels.AsSpan(indices[s] * SampleLength, SampleLength).CopyTo(images.Sample(s));
            labels[s] = _labels[indices[s]];
        }
    }
}
