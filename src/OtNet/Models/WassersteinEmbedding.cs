// Entropic Wasserstein embeddings (Frogner, Mirzazadeh and Solomon 2019): a network maps each
// input to M points in R^k read as a uniform discrete measure, and inputs are compared by an
// entropic distance between their measures (UnrolledCloudDistance: L Sinkhorn iterations,
// differentiated through). The Euclidean baseline of the same network and output size
// compares the flattened M k vectors by |u - v| instead (a Siamese network). Distances are
// reported as a distance, not its square: sqrt of the reading for a squared ground metric
// (so W2 for <P, C> on |x - y|^2), the reading itself for the Euclidean one (W1). For metric
// learning (Dou et al. 2022) the M k outputs can be normalised to unit length first, as Roth et
// al. 2020 normalise every embedding, so that a margin means the same at every scale.
using System.Globalization;
using OtKernels.Autodiff.Entropic;
using OtKernels.Geometry;
using OtNet.IO;

namespace OtNet.Models;

/// <summary>A network that embeds 28 x 28 images as M points in R^k, and the distance between
/// its embeddings.</summary>
public sealed class WassersteinEmbedding
{
    /// <summary>An embedding of M points in R^k with a new trunk seeded by seed; with
    /// normalized, the M k outputs are scaled to unit length (an L2Normalize layer ends the trunk).</summary>
    /// <exception cref="ArgumentOutOfRangeException">M outside 1..64, k outside 1..16, named.</exception>
    public WassersteinEmbedding(int points, int dimension, EmbeddingDistance distance, EntropicDistanceOptions sinkhorn, int seed, bool normalized = false)
    {
        if (points is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(points), points, "Points (M) must be in 1..64.");
        if (dimension is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Dimension (k) must be in 1..16.");
        Metric = new EmbeddingMetric(points, dimension, distance, sinkhorn);
        Sequential trunk = Training.ClassifierTraining.MnistCnn(points * dimension, seed);
        Trunk = normalized ? new Sequential(trunk.InputShape, [.. trunk.Layers, new Layers.L2Normalize()]) : trunk;
        Normalized = normalized;
    }

    /// <summary>Whether the trunk scales each embedding to unit length.</summary>
    public bool Normalized { get; }

    /// <summary>M, the points of each embedding.</summary>
    public int Points => Metric.Points;
    /// <summary>k, the dimension of each point.</summary>
    public int Dimension => Metric.Dimension;
    /// <summary>M k, the numbers of one embedding.</summary>
    public int EmbeddingSize => Metric.EmbeddingSize;
    /// <summary>How embeddings are compared.</summary>
    public EmbeddingDistance Distance => Metric.Distance;
    /// <summary>The entropic distance's settings (used when Distance is Wasserstein).</summary>
    public EntropicDistanceOptions Sinkhorn => Metric.Sinkhorn;
    /// <summary>The network: images [batch, 1, 28, 28] to embeddings [batch, M k].</summary>
    public Sequential Trunk { get; }

    /// <summary>The embeddings [count, M k] of images [count, 28 x 28] (pixels in [0, 1]), in batches.</summary>
    public float[] Embed(ReadOnlySpan<float> images, int batchSize = 256)
    {
        const int pixels = 28 * 28;
        if (images.Length % pixels != 0) throw new ArgumentException($"images has {images.Length} values, not a multiple of 28 x 28.", nameof(images));
        int count = images.Length / pixels;
        var result = new float[count * EmbeddingSize];
        Tensor? input = null;
        for (int start = 0; start < count; start += batchSize)
        {
            int length = Math.Min(batchSize, count - start);
            if (input is null || input.Batch != length) input = new Tensor(length, 1, 28, 28);
            images.Slice(start * pixels, length * pixels).CopyTo(input.Span);
            Trunk.Forward(input).Span.CopyTo(result.AsSpan(start * EmbeddingSize, length * EmbeddingSize));
        }
        return result;
    }

    /// <summary>How two embeddings of this model are compared.</summary>
    public EmbeddingMetric Metric { get; }

    /// <summary>distances[p] between embeddings u[p] and v[p] ([P, M k] each), with the
    /// gradients when upstream is given (<see cref="EmbeddingMetric.Distances"/>).</summary>
    public void Distances(float[] u, float[] v, double[] distances, double[]? upstream = null, float[]? gradientU = null, float[]? gradientV = null) =>
        Metric.Distances(u, v, distances, upstream, gradientU, gradientV);

    /// <summary>The metadata that rebuilds this model's shape and distance.</summary>
    public Dictionary<string, string> Describe() => new()
    {
        ["format"] = "otnet-wasserstein-embedding",
        ["points"] = Points.ToString(CultureInfo.InvariantCulture),
        ["dimension"] = Dimension.ToString(CultureInfo.InvariantCulture),
        ["distance"] = Distance.ToString(),
        ["epsilon"] = Sinkhorn.Epsilon.ToString("R", CultureInfo.InvariantCulture),
        ["iterations"] = Sinkhorn.Iterations.ToString(CultureInfo.InvariantCulture),
        ["reading"] = Sinkhorn.Kind.ToString(),
        ["metric"] = Sinkhorn.Metric.ToString(),
        ["gradient"] = Sinkhorn.Gradient.ToString(),
        ["normalized"] = Normalized.ToString(),
        ["architecture"] = Trunk.ToString(),
    };

    /// <summary>Writes the trunk's weights and <see cref="Describe"/> (with metadata added) atomically.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>());
        foreach ((string key, string value) in Describe()) all[key] = value;
        SafeTensors.Save(path, SafeTensors.NamedParameters(Trunk), all);
    }

    /// <summary>A model written by <see cref="Save"/>, and its file's metadata.</summary>
    /// <exception cref="InvalidDataException">Not such a file, or metadata or tensors that do not fit.</exception>
    public static (WassersteinEmbedding Model, Dictionary<string, string> Metadata) Load(string path)
    {
        var (_, metadata) = SafeTensors.Load(path);
        if (!metadata.TryGetValue("format", out string? format) || format != "otnet-wasserstein-embedding")
            throw new InvalidDataException($"{path}: not a Wasserstein embedding model (metadata format is '{format}', expected 'otnet-wasserstein-embedding').");
        string Field(string key) => metadata.TryGetValue(key, out string? v) ? v : throw new InvalidDataException($"{path}: no '{key}' in the metadata.");
        T Parse<T>(string key) where T : ISpanParsable<T> => T.TryParse(Field(key), CultureInfo.InvariantCulture, out T? value) ? value
            : throw new InvalidDataException($"{path}: metadata '{key}' = '{Field(key)}' does not parse.");
        TEnum Choice<TEnum>(string key) where TEnum : struct, Enum => Enum.TryParse(Field(key), out TEnum value) ? value
            : throw new InvalidDataException($"{path}: metadata '{key}' = '{Field(key)}' is not a {typeof(TEnum).Name}.");
        var sinkhorn = new EntropicDistanceOptions
        {
            Epsilon = Parse<double>("epsilon"), Iterations = Parse<int>("iterations"), Kind = Choice<EntropicDistanceKind>("reading"), Metric = Choice<GroundMetric>("metric"),
            // Files written before the option existed were trained through the iterations.
            Gradient = metadata.ContainsKey("gradient") ? Choice<EntropicGradient>("gradient") : EntropicGradient.Unrolled,
        };
        WassersteinEmbedding model;
        try
        {
            model = new WassersteinEmbedding(Parse<int>("points"), Parse<int>("dimension"), Choice<EmbeddingDistance>("distance"), sinkhorn, seed: 0,
                normalized: metadata.ContainsKey("normalized") && Parse<bool>("normalized"));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        SafeTensors.LoadInto(path, model.Trunk);
        return (model, metadata);
    }
}
