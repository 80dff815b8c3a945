// Softmax over all entries of each sample: over the classes of a [batch, classes] output,
// and over the whole map of an image output (the decoder's histogram, Courty et al. 2018
// section 4.1). Max-shifted. Backward: dx = y (dy - <y, dy>).
using System.Numerics.Tensors;

namespace OtNet.Layers;

/// <summary>The softmax over each sample's features.</summary>
public sealed class Softmax : Layer
{
    /// <summary>The layer as shorthand: "softmax".</summary>
    public override string ToString() => "softmax";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        for (int s = 0; s < input.Batch; s++) TensorPrimitives.SoftMax(input.Sample(s), output.Sample(s));
    }

    /// <inheritdoc/>
    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        if (inputGradient is null) return;
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        for (int s = 0; s < input.Batch; s++)
        {
            Span<float> y = output.Sample(s), dy = outputGradient.Sample(s), dx = inputGradient.Sample(s);
            float inner = TensorPrimitives.Dot<float>(y, dy);
            TensorPrimitives.Subtract(dy, inner, dx);
            TensorPrimitives.Multiply(dx, y, dx);
        }
    }
}
