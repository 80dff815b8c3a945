// y = x / |x| per sample: embeddings on the unit sphere, as deep metric learning trains them
// (Roth et al. 2020 normalise every embedding), so that a margin means the same at every
// scale. Backward: dy/dx = (I - y y^T) / |x|, so dx = (g - y (y . g)) / |x|. A sample below
// a tiny norm is divided by that norm instead, keeping the gradient finite.
namespace OtNet.Layers;

/// <summary>Each sample scaled to unit Euclidean norm.</summary>
public sealed class L2Normalize : Layer
{
    private const float SmallestNorm = 1e-12f;

    /// <summary>The layer as shorthand: "l2normalize".</summary>
    public override string ToString() => "l2normalize";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        for (int s = 0; s < input.Batch; s++)
        {
            ReadOnlySpan<float> x = input.Sample(s);
            float norm = Math.Max(System.Numerics.Tensors.TensorPrimitives.Norm(x), SmallestNorm);
            System.Numerics.Tensors.TensorPrimitives.Divide(x, norm, output.Sample(s));
        }
    }

    /// <inheritdoc/>
    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        if (inputGradient is null) return;
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        for (int s = 0; s < input.Batch; s++)
        {
            ReadOnlySpan<float> y = output.Sample(s), g = outputGradient.Sample(s);
            Span<float> dx = inputGradient.Sample(s);
            float norm = Math.Max(System.Numerics.Tensors.TensorPrimitives.Norm(input.Sample(s)), SmallestNorm);
            float along = System.Numerics.Tensors.TensorPrimitives.Dot(y, g);
            for (int i = 0; i < dx.Length; i++) dx[i] = (g[i] - y[i] * along) / norm;
        }
    }
}
