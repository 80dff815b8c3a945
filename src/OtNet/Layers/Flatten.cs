// [C, H, W] (or any sample shape) to [C H W]: the buffer is already in that order, so both
// passes are copies.
namespace OtNet.Layers;

public sealed class Flatten : Layer
{
    public override int[] OutputShape(int[] inputShape)
    {
        int length = 1;
        foreach (int d in inputShape) length = checked(length * d);
        return [length];
    }

    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        input.Data.CopyTo(output.Data, 0);
    }

    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        if (inputGradient is null) return;
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        outputGradient.Data.CopyTo(inputGradient.Data, 0);
    }
}
