// Max pooling over non-overlapping size x size windows (stride = size; a remainder row or
// column is dropped, as PyTorch's default floor mode). Backward routes each window's
// gradient to the input that was its maximum (the first one on ties).
namespace OtNet.Layers;

/// <summary>Max pooling over size x size windows with stride size.</summary>
public sealed class MaxPool2D : Layer
{
    /// <summary>Pooling over size x size windows.</summary>
    public MaxPool2D(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
    }

    /// <summary>The window's side and stride.</summary>
    public int Size { get; }

    /// <summary>The layer as shorthand, e.g. "maxpool 2".</summary>
    public override string ToString() => $"maxpool {Size}";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[1] < Size || inputShape[2] < Size)
            throw new ArgumentException($"MaxPool2D({Size}) takes samples [C, H, W] with H, W >= {Size}, not [{string.Join(", ", inputShape)}].", nameof(inputShape));
        return [inputShape[0], inputShape[1] / Size, inputShape[2] / Size];
    }

    /// <inheritdoc/>
    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        Pool(input, output.Data, null);
    }

    /// <inheritdoc/>
    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        if (inputGradient is null) return;
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        Array.Clear(inputGradient.Data);
        Pool(input, outputGradient.Data, inputGradient.Data);
    }

    /// <summary>Forward (route null): writes each window's max to values. Backward: adds
    /// values (the output gradient) to route at each window's argmax.</summary>
    private void Pool(Tensor input, float[] values, float[]? route)
    {
        int maps = input.Shape[0] * input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int oh = h / Size, ow = w / Size;
        float[] x = input.Data;
        for (int map = 0, o = 0; map < maps; map++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++, o++)
                {
                    int best = map * h * w + oy * Size * w + ox * Size;
                    for (int dy = 0; dy < Size; dy++)
                        for (int dx = 0; dx < Size; dx++)
                        {
                            int at = map * h * w + (oy * Size + dy) * w + ox * Size + dx;
                            if (x[at] > x[best]) best = at;
                        }
                    if (route is null) values[o] = x[best];
                    else route[best] += values[o];
                }
    }
}
