// A float32 tensor: a shape and one flat row-major buffer, batch first (NCHW for images,
// [batch, features] for dense layers), as in llm.c: layers read and write flat spans, and
// the shape is only for checking and indexing.
namespace OtNet;

/// <summary>A float32 tensor: one flat buffer and a shape, batch first (NCHW for images).</summary>
public sealed class Tensor
{
    /// <summary>A zero tensor of the given shape.</summary>
    public Tensor(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0) throw new ArgumentException("A tensor needs at least one dimension.", nameof(shape));
        long length = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] <= 0) throw new ArgumentOutOfRangeException(nameof(shape), $"shape[{d}] is {shape[d]}; every dimension must be positive.");
            length *= shape[d];
        }
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(shape), $"{length} entries exceed an array's limit.");
        Shape = (int[])shape.Clone();
        Data = new float[length];
    }

    /// <summary>The shape, batch first.</summary>
    public int[] Shape { get; }
    /// <summary>The values, row-major.</summary>
    public float[] Data { get; }
    /// <summary>Values in the tensor.</summary>
    public int Length => Data.Length;
    /// <summary>The first dimension.</summary>
    public int Batch => Shape[0];

    /// <summary>Entries per batch item (the product of every dimension but the first).</summary>
    public int SampleLength => Data.Length / Shape[0];

    /// <summary>The values as a span.</summary>
    public Span<float> Span => Data;

    /// <summary>Batch item <paramref name="index"/> as a flat span.</summary>
    public Span<float> Sample(int index) => Data.AsSpan(index * SampleLength, SampleLength);

    /// <summary>The shape.</summary>
    public override string ToString() => $"Tensor[{string.Join(", ", Shape)}]";

    /// <summary>Throws unless this tensor has exactly <paramref name="shape"/>, naming
    /// <paramref name="name"/> and both shapes.</summary>
    public void ThrowIfShapeIsNot(ReadOnlySpan<int> shape, string name)
    {
        if (!Shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"{name} has shape [{string.Join(", ", Shape)}] but [{string.Join(", ", shape.ToArray())}] is required.", name);
    }
}
