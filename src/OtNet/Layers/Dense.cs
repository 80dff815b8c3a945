// Fully connected: y = W x + b per sample, W stored [out, in] as PyTorch's nn.Linear (so
// saved weights read the same there). Forward is one product X W^T for the batch; backward
// is dW += dY^T X, db += column sums of dY, dX = dY W.
using OtNet.LinearAlgebra;

namespace OtNet.Layers;

/// <summary>A fully connected layer y = W x + b, weights [out, in] as PyTorch lays them out.</summary>
public sealed class Dense : Layer
{
    /// <summary>A layer with Glorot-uniform weights drawn from rng and zero biases.</summary>
    public Dense(int inputs, int outputs, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentNullException.ThrowIfNull(rng);
        Inputs = inputs;
        Outputs = outputs;
        Weight = new Parameter("weight", outputs, inputs);
        Bias = new Parameter("bias", outputs);
        // Glorot uniform (Glorot and Bengio 2010): keeps the variance through linear layers.
        Weight.FillUniform(rng, Math.Sqrt(6.0 / (inputs + outputs)));
    }

    /// <summary>Features in.</summary>
    public int Inputs { get; }
    /// <summary>Features out.</summary>
    public int Outputs { get; }
    /// <summary>The weights [out, in].</summary>
    public Parameter Weight { get; }
    /// <summary>The biases [out].</summary>
    public Parameter Bias { get; }

    /// <summary>The layer as shorthand, e.g. "dense 3136->128".</summary>
    public override string ToString() => $"dense {Inputs}->{Outputs}";
    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 1 || inputShape[0] != Inputs)
            throw new ArgumentException($"Dense({Inputs} -> {Outputs}) takes samples of shape [{Inputs}], not [{string.Join(", ", inputShape)}] (add a Flatten before it).", nameof(inputShape));
        return [Outputs];
    }

    /// <inheritdoc/>
    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        int batch = input.Batch;
        Sgemm.Multiply(input.Data, false, Weight.Value, true, output.Data, batch, Outputs, Inputs);
        for (int s = 0; s < batch; s++)
        {
            Span<float> row = output.Sample(s);
            for (int o = 0; o < Outputs; o++) row[o] += Bias.Value[o];
        }
    }

    /// <inheritdoc/>
    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        CheckShapes(input, output);
        CheckShapes(input, outputGradient, nameof(outputGradient));
        int batch = input.Batch;
        Sgemm.Multiply(outputGradient.Data, true, input.Data, false, Weight.Gradient, Outputs, Inputs, batch, beta: 1);
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> row = outputGradient.Sample(s);
            for (int o = 0; o < Outputs; o++) Bias.Gradient[o] += row[o];
        }
        if (inputGradient is null) return;
        inputGradient.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        Sgemm.Multiply(outputGradient.Data, false, Weight.Value, false, inputGradient.Data, batch, Inputs, Outputs);
    }
}
