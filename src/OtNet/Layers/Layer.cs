// A layer has an explicit forward and an explicit backward over batch-first tensors (llm.c's
// layer_forward / layer_backward pairs). Backward receives the forward's input and output,
// so a layer keeps no hidden state between the two calls; it adds its parameter gradients and
// writes the gradient with respect to its input.
namespace OtNet.Layers;

/// <summary>A layer of a Sequential model: an explicit forward pass and a backward pass that gets the forward's input and output back, so that it keeps no hidden state.</summary>
public abstract class Layer
{
    /// <summary>The per-sample output shape for a per-sample input shape (no batch dimension);
    /// throws ArgumentException, naming the layer, for an input it cannot take.</summary>
    public abstract int[] OutputShape(int[] inputShape);

    /// <summary>output = layer(input); output has shape [batch, OutputShape(input sample shape)].</summary>
    public abstract void Forward(Tensor input, Tensor output);

    /// <summary>Adds dL/dparameters to each parameter's Gradient and writes dL/dinput into
    /// <paramref name="inputGradient"/> (skipped when null, as for a network's first layer).</summary>
    public abstract void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient);

    /// <summary>The trained parameters (none for shape-only layers).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Checks that output (and a gradient of the output) have the shape this layer gives input.</summary>
    protected void CheckShapes(Tensor input, Tensor output, string outputName = "output")
    {
        int[] sample = OutputShape(input.Shape[1..]);
        output.ThrowIfShapeIsNot([input.Batch, .. sample], outputName);
    }
}
