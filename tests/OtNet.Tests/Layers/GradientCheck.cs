using OtNet.Layers;
using Xunit;

namespace OtNet.Tests.Layers;

/// <summary>Central finite differences of L = sum_i r_i y_i against a layer's backward pass,
/// for every input entry and every parameter entry. The layers here are piecewise linear, so
/// with inputs kept off the kinks the difference quotient is exact up to float rounding of L.</summary>
internal static class GradientCheck
{
    public static void Run(Layer layer, Tensor input, Random rng, string label)
    {
        int[] outShape = [input.Batch, .. layer.OutputShape(input.Shape[1..])];
        var output = new Tensor(outShape);
        var weights = new Tensor(outShape);
        for (int i = 0; i < weights.Length; i++) weights.Data[i] = (float)(rng.NextDouble() - 0.5);
        foreach (Parameter p in layer.Parameters) Array.Clear(p.Gradient);
        layer.Forward(input, output);
        var inputGradient = new Tensor(input.Shape);
        layer.Backward(input, output, weights, inputGradient);

        double Loss()
        {
            layer.Forward(input, output);
            double sum = 0;
            for (int i = 0; i < output.Length; i++) sum += (double)weights.Data[i] * output.Data[i];
            return sum;
        }
        FiniteDifference.Check(input.Data, inputGradient.Data, Loss, 1e-2f, 2e-3, 1e-2, $"{label}: d/dinput");
        foreach (Parameter p in layer.Parameters) FiniteDifference.Check(p.Value, p.Gradient, Loss, 1e-2f, 2e-3, 1e-2, $"{label}: d/d{p.Name}");
    }

    /// <summary>Entries uniform in +-[0.1, 1]: at least 0.1 from the kinks of ReLU and max.</summary>
    public static Tensor RandomInput(Random rng, params int[] shape)
    {
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)((0.1 + 0.9 * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1));
        return t;
    }
}
