// `dwe-throughput BATCH`: images per second through the forward and backward passes of the
// Deep Wasserstein Embedding networks (Courty et al. 2018, section 4.1) built from OtNet
// layers: encoder conv 20@3x3, conv 5@5x5 (both 'same', ReLU), flatten, dense 3920 -> 100,
// dense 100 -> 50; decoder dense 50 -> 100 (ReLU), dense 100 -> 3920 (ReLU), reshape 5x28x28,
// conv 20@5x5 (ReLU), conv 1@3x3, softmax over the 784 pixels. Fastest of five timed runs.
using System.Diagnostics;
using OtNet;
using OtNet.Layers;

namespace OtKernels.Bench;

internal static class DweThroughput
{
    public static int Run(int batch)
    {
        var rng = new Random(1);
        var encoder = new Sequential([1, 28, 28],
            new Conv2D(1, 20, 3, Padding.Same, rng), new Relu(), new Conv2D(20, 5, 5, Padding.Same, rng), new Relu(),
            new Flatten(), new Dense(3920, 100, rng), new Dense(100, 50, rng));
        var decoder = new Sequential([50],
            new Dense(50, 100, rng), new Relu(), new Dense(100, 3920, rng), new Relu(), new Reshape(5, 28, 28),
            new Conv2D(5, 20, 5, Padding.Same, rng), new Relu(), new Conv2D(20, 1, 3, Padding.Same, rng), new Flatten(), new Softmax());
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
