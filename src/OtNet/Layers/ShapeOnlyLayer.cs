// Layers that change a sample's shape but not its buffer order (Flatten, Reshape): both
// passes are copies, and only the output shape differs between them.
namespace OtNet.Layers;

/// <summary>A layer that only reinterprets the shape: forward and backward copy the data.</summary>
public abstract class ShapeOnlyLayer : Layer
{
    /// <inheritdoc/>
    public sealed override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        input.Data.CopyTo(output.Data, 0);
    }

    /// <inheritdoc/>
    public sealed override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        if (inputGradient is null) return;
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        outputGradient.Data.CopyTo(inputGradient.Data, 0);
    }
}
