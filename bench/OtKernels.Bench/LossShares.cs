// `losses`: what each classifier loss of `otk losses` costs against the training step it is
// part of: the fastest of several timed calls of each loss with its gradient on a batch of
// logits, and of the MNIST CNN's forward and backward pass on a batch of images, as in
// ClassifierTask.TrainBatch. The closed-form losses are O(nodes) per sample; the Wasserstein
// loss solves a K x K Sinkhorn problem per sample (to tolerance 1e-9), whose iterations grow as
// eps shrinks against the ground metric d^p.
using OtKernels.Geometry;
using OtNet;
using OtNet.Losses;
using OtNet.Training;

namespace OtKernels.Bench;

internal static class LossShares
{
    public static int Run(int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must be positive.");
        var rng = new Random(1);
        Sequential model = ClassifierTraining.MnistCnn(1);
        var images = new Tensor([batch, 1, 28, 28]);
        for (int i = 0; i < images.Length; i++) images.Data[i] = (float)rng.NextDouble();
        int[] labels = [.. Enumerable.Range(0, batch).Select(_ => rng.Next(10))];
        var ce = new CrossEntropyLoss();
        double step = Timing.Fastest(() =>
        {
            Tensor logits = model.Forward(images);
            var gradient = new Tensor(logits.Shape);
            ce.Compute(logits, labels, gradient);
            model.Backward(gradient);
        });
        Console.WriteLine($"batch {batch}: the CNN's forward + backward with the cross-entropy {1e3 * step:F2} ms");
        var scores = new Tensor([batch, 10]);
        for (int i = 0; i < scores.Length; i++) scores.Data[i] = (float)(4 * rng.NextDouble() - 2);
        const string taxonomy = "data/fashion-mnist.tree"; // run from the repository root, as the README's bench commands are
        if (!File.Exists(taxonomy)) throw new FileNotFoundException($"{taxonomy} is not here; run the benchmark from the repository root.", taxonomy);
        LabelTree fashion = LabelTree.Load(taxonomy, 10);
        (string Name, ClassifierLoss Loss)[] losses =
        [
            ("ce", ce), ("emd (chain)", new TreeEmdClassifierLoss(LabelTree.Chain(10), 1)), ("emd2 (chain)", new TreeEmdClassifierLoss(LabelTree.Chain(10), 2)),
            ("hemd (tree)", new TreeEmdClassifierLoss(fashion, 1)), ("hemd2 (tree)", new TreeEmdClassifierLoss(fashion, 2)),
            ("wasserstein p=0.5", new WassersteinClassifierLoss(LabelTree.Chain(10).PathMetric(0.5), 0.1)),
            ("wasserstein p=1", new WassersteinClassifierLoss(LabelTree.Chain(10).PathMetric(1), 0.1)),
            ("wasserstein p=2", new WassersteinClassifierLoss(LabelTree.Chain(10).PathMetric(2), 0.1)),
        ];
        Console.WriteLine($"{"loss",-20} {"ms per batch",13} {"share of the step",18}");
        var gradientOut = new Tensor(scores.Shape);
        foreach ((string name, ClassifierLoss loss) in losses)
        {
            double seconds = Timing.Fastest(() => loss.Compute(scores, labels, gradientOut), runs: 20);
            Console.WriteLine($"{name,-20} {1e3 * seconds,13:F4} {100 * seconds / (step + seconds),17:F3}%");
        }
        return 0;
    }
}
