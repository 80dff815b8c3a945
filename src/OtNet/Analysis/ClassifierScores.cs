// What a classifier's mistakes cost on a label space with a ground metric d (a chain of
// ordered classes, a taxonomy's tree distance): the accuracy, the mistake severity (the
// mean d(predicted, true) over the mistakes, as hierarchical classification reports it), the
// expected ground cost of the predicted distribution, mean_s sum_c softmax(z_s)_c d(c, y_s),
// and Frogner et al. 2015's top-K cost (Fig. 3): the mean over samples of the average
// d(c, y_s) over the K classes of highest score, for K = 1..classes. And the confusion matrix.
using System.Numerics.Tensors;
using OtKernels.Autodiff.Losses;
using OtKernels.Geometry;
using OtNet.Data;

namespace OtNet.Analysis;

/// <summary>A classifier's accuracy and the ground cost of its predictions on labelled images.</summary>
/// <param name="Accuracy">The share of images whose highest logit is the label.</param>
/// <param name="MistakeSeverity">The mean d(predicted, true) over the mistakes (0 without any).</param>
/// <param name="ExpectedCost">The mean over images of sum_c softmax_c d(c, y).</param>
/// <param name="TopKCost">[K - 1]: the mean over images of the average d(c, y) over the top K classes.</param>
/// <param name="Confusion">[true, predicted] counts, classes x classes.</param>
public sealed record ClassifierScores(double Accuracy, double MistakeSeverity, double ExpectedCost, double[] TopKCost, int[] Confusion)
{
    /// <summary>The scores of model (images to logits) on data, with d the label distance.</summary>
    /// <exception cref="ArgumentException">A distance matrix that is not classes x classes, or no images.</exception>
    public static ClassifierScores Of(Sequential model, LabelledImages data, DenseCost distance, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(distance);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.Count == 0) throw new ArgumentException("There are no images to score.", nameof(data));
        int k = distance.Rows;
        if (distance.Cols != k) throw new ArgumentException($"The label distance must be square; it is {distance.Rows} x {distance.Cols}.", nameof(distance));
        int correct = 0, mistakes = 0;
        double severity = 0, expected = 0;
        var topK = new double[k];
        var confusion = new int[k * k];
        int[] all = [.. Enumerable.Range(0, data.Count)];
        var labels = new int[batchSize];
        var probabilities = new double[k];
        Tensor? images = null;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int length = Math.Min(batchSize, data.Count - start);
            if (images is null || images.Batch != length) images = new Tensor([length, .. data.SampleShape]);
            data.FillBatch(all.AsSpan(start, length), images, labels.AsSpan(0, length));
            Tensor logits = model.Forward(images);
            if (logits.Shape[1] != k) throw new ArgumentException($"The model has {logits.Shape[1]} outputs; the label distance has {k} classes.", nameof(distance));
            for (int s = 0; s < length; s++)
            {
                ReadOnlySpan<float> z = logits.Sample(s);
                int y = labels[s], predicted = TensorPrimitives.IndexOfMax(z);
                confusion[y * k + predicted]++;
                if (predicted == y) correct++;
                else
                {
                    mistakes++;
                    severity += distance[predicted, y];
                }
                Logits.Softmax(z, probabilities, start + s);
                for (int c = 0; c < k; c++) expected += probabilities[c] * distance[c, y];
                // Classes by falling score (ties by index), and the running mean of their cost.
                float[] scores = z.ToArray();
                int[] ranked = [.. Enumerable.Range(0, k).OrderByDescending(c => scores[c]).ThenBy(c => c)];
                double running = 0;
                for (int r = 0; r < k; r++)
                {
                    running += distance[ranked[r], y];
                    topK[r] += running / (r + 1);
                }
            }
        }
        int n = data.Count;
        return new ClassifierScores(correct / (double)n, mistakes == 0 ? 0 : severity / mistakes, expected / n, [.. topK.Select(v => v / n)], confusion);
    }
}
