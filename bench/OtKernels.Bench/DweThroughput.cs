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
            double best = double.PositiveInfinity, forwardBest = double.PositiveInfinity;
            for (int run = 0; run < 6; run++)
            {
                var clock = Stopwatch.StartNew();
                for (int r = 0; r < 10; r++) model.Forward(input);
                double forward = clock.Elapsed.TotalSeconds / 10;
                clock.Restart();
                for (int r = 0; r < 10; r++)
                {
                    model.Forward(input);
                    model.ZeroGradients();
                    model.Backward(gradient);
                }
                if (run == 0) continue; // warm-up
                forwardBest = Math.Min(forwardBest, forward);
                best = Math.Min(best, clock.Elapsed.TotalSeconds / 10);
            }
            Console.WriteLine($"otk DWE {name}, batch {batch}: forward {batch / forwardBest:F0} images/s, forward+backward {batch / best:F0} images/s on {Environment.ProcessorCount} cores");
        }
        return 0;
    }
}
