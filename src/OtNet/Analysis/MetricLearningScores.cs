// The evaluation of a metric embedding (Roth et al. 2020) on labelled images: every image
// queries all the others under the model's own distance (Recall@1, Recall@4, mAP@R), and the
// images are clustered into as many groups as there are classes (NMI, pair-counting F1): by
// k-means (k-means++ seeded) on Euclidean embeddings, by k-medoids on the distance matrix for
// Wasserstein ones, whose space has no cheap mean.
using OtNet.Data;
using OtNet.Models;

namespace OtNet.Analysis;

/// <summary>Retrieval and clustering scores of an embedding on labelled images.</summary>
public sealed record MetricLearningScores(double RecallAt1, double RecallAt4, double MapAtR, double Nmi, double F1, string Clustering)
{
    /// <summary>The scores of model on images, with clusters the number of groups.</summary>
    public static MetricLearningScores Of(WassersteinEmbedding model, LabelledImages images, int clusters, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        float[] embeddings = model.Embed(images.Pixels);
        int[] labels = images.Labels.ToArray();
        float[] matrix = model.Metric.Matrix(embeddings);
        (double[] recall, double map) = RetrievalMetrics.Compute(matrix, labels, [1, 4]);
        bool euclidean = model.Distance == EmbeddingDistance.Euclidean;
        int[] assignment = euclidean ? KMeans.Fit(embeddings, model.EmbeddingSize, clusters, seed).Assignment : KMedoids.Fit(matrix, labels.Length, clusters, seed).Assignment;
        return new MetricLearningScores(recall[0], recall[1], map, ClusteringMetrics.NormalizedMutualInformation(assignment, labels),
            ClusteringMetrics.PairCountingF1(assignment, labels), euclidean ? "k-means" : "k-medoids");
    }
}
