// max(0, x) elementwise; the gradient passes where the output is positive (at 0 it is 0, the
// subgradient PyTorch uses).
using System.Numerics;

namespace OtNet.Layers;

/// <summary>The rectifier max(0, x), element-wise.</summary>
public sealed class Relu : Layer
{
    /// <summary>The layer as shorthand: "relu".</summary>
    public override string ToString() => "relu";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        System.Numerics.Tensors.TensorPrimitives.Max(input.Data, 0f, output.Data);
    }

    /// <inheritdoc/>
    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        if (inputGradient is null) return;
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        float[] y = output.Data, dy = outputGradient.Data, dx = inputGradient.Data;
        // A select under a mask, not a branch: the signs of activations are a coin toss, and
        // the branchy loop cost 3.5 ns a value (more than the convolutions around it).
        int i = 0, width = Vector<float>.Count;
        for (; i <= dx.Length - width; i += width)
            Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(y, i), Vector<float>.Zero), new Vector<float>(dy, i), Vector<float>.Zero).CopyTo(dx, i);
        for (; i < dx.Length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
    }
}
