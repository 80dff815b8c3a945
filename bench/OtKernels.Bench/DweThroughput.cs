// `dwe-throughput BATCH`: images per second through the forward and backward passes of the
// Deep Wasserstein Embedding networks (Courty et al. 2018, section 4.1; OtNet.Models.
// DeepWassersteinEmbedding on 28 x 28, E = 50; the decoder up to its logits, the softmax
// being fused into the loss). Fastest of five timed runs.
using System.Diagnostics;
using OtNet;
using OtNet.Models;

namespace OtKernels.Bench;

internal static class DweThroughput
{
    public static int Run(int batch)
    {
        var rng = new Random(1);
        var dwe = new DeepWassersteinEmbedding(28, 28, 50, seed: 1);
        Sequential encoder = dwe.Encoder, decoder = dwe.Decoder;
        foreach (var (name, model, shape) in new[] { ("encoder", encoder, new[] { batch, 1, 28, 28 }), ("decoder", decoder, new[] { batch, 50 }) })
        {
            var input = new Tensor(shape);
            for (int i = 0; i < input.Length; i++) input.Data[i] = (float)rng.NextDouble();
            var gradient = new Tensor([batch, .. model.OutputShape]);
            for (int i = 0; i < gradient.Length; i++) gradient.Data[i] = (float)(rng.NextDouble() - 0.5);
            double forwardBest = Fastest(() => model.Forward(input));
            double best = Fastest(() =>
            {
                model.Forward(input);
                model.ZeroGradients();
                model.Backward(gradient);
            });
            Console.WriteLine($"otk DWE {name}, batch {batch}: forward {batch / forwardBest:F0} images/s, forward+backward {batch / best:F0} images/s on {Environment.ProcessorCount} cores");
            PerLayer(model, input, rng);
        }
        return 0;
    }

    /// <summary>Each layer on its own input (the previous layer's output), the fastest of five
    /// runs of ten: forward, and backward with the input gradient (the first layer without).</summary>
    private static void PerLayer(Sequential model, Tensor input, Random rng)
    {
        Tensor x = input;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            OtNet.Layers.Layer layer = model.Layers[i];
            var y = new Tensor([x.Batch, .. layer.OutputShape(x.Shape[1..])]);
            var dy = new Tensor(y.Shape);
            for (int j = 0; j < dy.Length; j++) dy.Data[j] = (float)(rng.NextDouble() - 0.5);
            Tensor? dx = i == 0 ? null : new Tensor(x.Shape);
            double forward = Fastest(() => layer.Forward(x, y)), backward = Fastest(() => layer.Backward(x, y, dy, dx));
            Console.WriteLine($"  layer {i} {layer.GetType().Name} [{string.Join("x", x.Shape[1..])}] -> [{string.Join("x", y.Shape[1..])}]: "
                              + $"forward {1e6 * forward / x.Batch:F2} us/image, backward {1e6 * backward / x.Batch:F2} us/image");
            x = y;
        }
    }

    /// <summary>Seconds per call of run: the fastest of five timed runs of ten calls, after one
    /// untimed warm-up run.</summary>
    private static double Fastest(Action run)
    {
        double best = double.PositiveInfinity;
        for (int r = 0; r < 6; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int k = 0; k < 10; k++) run();
            if (r > 0) best = Math.Min(best, clock.Elapsed.TotalSeconds / 10);
        }
        return best;
    }
}
