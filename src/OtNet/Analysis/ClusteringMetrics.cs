// How well a clustering of the evaluation images matches their classes, as Roth et al. 2020
// report it:
//   NMI = 2 I(Y; C) / (H(Y) + H(C)), the mutual information of labels Y and clusters C over the
//     mean of their entropies (scikit-learn's default, arithmetic normalisation); 1 when the
//     clusters are the classes, 0 when independent of them.
//   F1 by pair counting: over the n(n-1)/2 pairs of images, a pair is a true positive when
//     the two share a cluster and a class, a false positive when they share a cluster only, a
//     false negative when they share a class only; F1 = 2 P R / (P + R).
namespace OtNet.Analysis;

/// <summary>NMI and pair-counting F1 of a clustering against labels.</summary>
public static class ClusteringMetrics
{
    /// <summary>The normalised mutual information of clusters and labels (0 when either is a
    /// single group and the other is not; 1 when both are).</summary>
    public static double NormalizedMutualInformation(int[] clusters, int[] labels)
    {
        var joint = Joint(clusters, labels);
        double n = clusters.Length;
        var byCluster = joint.GroupBy(x => x.Key.Cluster).ToDictionary(g => g.Key, g => g.Sum(x => x.Value) / n);
        var byLabel = joint.GroupBy(x => x.Key.Label).ToDictionary(g => g.Key, g => g.Sum(x => x.Value) / n);
        double information = joint.Sum(x =>
        {
            double p = x.Value / n;
            return p * Math.Log(p / (byCluster[x.Key.Cluster] * byLabel[x.Key.Label]));
        });
        double entropy = -byCluster.Values.Sum(p => p * Math.Log(p)) - byLabel.Values.Sum(p => p * Math.Log(p));
        return entropy > 0 ? Math.Max(0, 2 * information / entropy) : 1;
    }

    /// <summary>The F1 score of the pairs that share a cluster against the pairs that share a label.</summary>
    public static double PairCountingF1(int[] clusters, int[] labels)
    {
        var joint = Joint(clusters, labels);
        static double Pairs(double count) => count * (count - 1) / 2;
        double together = joint.Sum(x => Pairs(x.Value));
        double sameCluster = joint.GroupBy(x => x.Key.Cluster).Sum(g => Pairs(g.Sum(x => x.Value)));
        double sameLabel = joint.GroupBy(x => x.Key.Label).Sum(g => Pairs(g.Sum(x => x.Value)));
        if (sameCluster == 0 || sameLabel == 0) return 0;
        double precision = together / sameCluster, recall = together / sameLabel;
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    }

    private static Dictionary<(int Cluster, int Label), int> Joint(int[] clusters, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(labels);
        if (clusters.Length != labels.Length || clusters.Length == 0)
            throw new ArgumentException($"{clusters.Length} cluster assignments and {labels.Length} labels; need the same positive number.", nameof(labels));
        var joint = new Dictionary<(int, int), int>();
        for (int i = 0; i < clusters.Length; i++) joint[(clusters[i], labels[i])] = joint.GetValueOrDefault((clusters[i], labels[i])) + 1;
        return joint;
    }
}
