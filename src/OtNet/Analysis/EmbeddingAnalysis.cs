// Wasserstein data mining in a Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018,
// section 3.2): where squared Euclidean distance between embeddings phi(x) mimics W2^2,
// problems posed in Wasserstein space become their Euclidean counterparts in the embedding,
// and the decoder psi takes the answer back to histograms. Each method here is that
// counterpart, so the same call on raw pixels (Mean, PrincipalComponents.Points, KMeans.Fit)
// gives the L2 baseline the paper shows beside it.
using OtNet.Models;

namespace OtNet.Analysis;

/// <summary>Barycenters, interpolations, principal geodesics and k-means through a DWE
/// embedding (Courty et al. 2018, eq. 3 and 5): Euclidean in the embedding, decoded.</summary>
public static class EmbeddingAnalysis
{
    /// <summary>The weighted mean of points [count, dimension], uniform when
    /// <paramref name="weights"/> is empty.</summary>
    /// <exception cref="ArgumentException">No points, a length that is not a multiple of the
    /// dimension, or weights that are not one nonnegative value per point with a positive sum.</exception>
    public static float[] Mean(ReadOnlySpan<float> points, int dimension, ReadOnlySpan<double> weights = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (points.Length == 0 || points.Length % dimension != 0)
            throw new ArgumentException($"points has {points.Length} values; need a positive multiple of {dimension}.", nameof(points));
        int count = points.Length / dimension;
        double total = weights.IsEmpty ? count : 0;
        if (!weights.IsEmpty)
        {
            if (weights.Length != count) throw new ArgumentException($"weights has {weights.Length} values for {count} points.", nameof(weights));
            for (int k = 0; k < count; k++)
            {
                if (!(weights[k] >= 0) || double.IsInfinity(weights[k]))
                    throw new ArgumentException($"weights[{k}] = {weights[k]}: must be finite and nonnegative.", nameof(weights));
                total += weights[k];
            }
            if (!(total > 0)) throw new ArgumentException("weights sum to 0.", nameof(weights));
        }
        var sum = new double[dimension];
        for (int k = 0; k < count; k++)
        {
            double w = weights.IsEmpty ? 1 : weights[k];
            for (int i = 0; i < dimension; i++) sum[i] += w * points[k * dimension + i];
        }
        return Array.ConvertAll(sum, v => (float)(v / total));
    }

    /// <summary>The Wasserstein barycenter of histograms [count, pixels] estimated as
    /// psi(sum_i alpha_i phi(x_i)) (eq. 3), alpha uniform when <paramref name="weights"/> is
    /// empty; one histogram of the model's pixels.</summary>
    public static float[] Barycenter(this DeepWassersteinEmbedding model, ReadOnlySpan<float> histograms, ReadOnlySpan<double> weights = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Decode(Mean(model.Embed(histograms), model.EmbeddingSize, weights));
    }

    /// <summary>The Wasserstein interpolation between two histograms: eq. 3 with alpha =
    /// [1 - t, t] for each t of <paramref name="times"/>; [times.Length, pixels].</summary>
    public static float[] Interpolation(this DeepWassersteinEmbedding model, ReadOnlySpan<float> first, ReadOnlySpan<float> second, ReadOnlySpan<double> times)
    {
        ArgumentNullException.ThrowIfNull(model);
        int pixels = model.Pixels, e = model.EmbeddingSize;
        if (first.Length != pixels || second.Length != pixels)
            throw new ArgumentException($"first and second have {first.Length} and {second.Length} values; the model takes {pixels}.");
        var ends = new float[2 * pixels];
        first.CopyTo(ends);
        second.CopyTo(ends.AsSpan(pixels));
        float[] z = model.Embed(ends);
        var path = new float[times.Length * e];
        for (int s = 0; s < times.Length; s++)
            for (int d = 0; d < e; d++) path[s * e + d] = (float)((1 - times[s]) * z[d] + times[s] * z[e + d]);
        return model.Decode(path);
    }

    /// <summary>Principal geodesic analysis (eq. 5: PCA in the embedding) of histograms
    /// [count, pixels], decoded at the mean plus s standard deviations along each of the first
    /// <paramref name="components"/> directions, for each s of <paramref name="deviations"/>:
    /// [components x deviations.Length, pixels], component-major.</summary>
    public static float[] PrincipalGeodesics(this DeepWassersteinEmbedding model, ReadOnlySpan<float> histograms, int components, ReadOnlySpan<double> deviations)
    {
        ArgumentNullException.ThrowIfNull(model);
        PrincipalComponents inEmbedding = PrincipalComponents.Of(model.Embed(histograms), model.EmbeddingSize, components);
        return model.Decode(inEmbedding.Points(components, deviations));
    }

    /// <summary>Wasserstein k-means (Courty et al. 2018, section 3.2): k-means on the
    /// embeddings of histograms [count, pixels], with the centroids decoded [k, pixels].</summary>
    public static (KMeans Clustering, float[] Centroids) KMeans(this DeepWassersteinEmbedding model, ReadOnlySpan<float> histograms, int k, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        KMeans clustering = Analysis.KMeans.Fit(model.Embed(histograms), model.EmbeddingSize, k, seed);
        return (clustering, model.Decode(clustering.Centroids));
    }
}
