// Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018, section 4.1): an encoder phi
// from a histogram on an H x W grid to R^E whose squared Euclidean distances mimic W2^2,
// and a decoder psi back to a histogram, so that the data mining done in R^E (means,
// geodesics, principal components) can be looked at:
//   phi: conv 20@3x3 + ReLU, conv 5@5x5 + ReLU ('same'), flatten, dense 100, dense E
//        ("two linear dense layers");
//   psi: dense 100 + ReLU, dense 5 H W + ReLU, reshape 5 x H x W, conv 20@5x5 + ReLU,
//        conv 1@3x3, softmax over the H W pixels (the decoder here ends at the logits: the
//        softmax is fused into ReconstructionLoss and applied by Decode).
// The encoder reads the histogram scaled by H W (mean pixel 1), a fixed rescaling that keeps
// the first layer's inputs of order one; the embedding is a function of the histogram alone.
using System.Globalization;
using OtNet.IO;
using OtNet.Layers;

namespace OtNet.Models;

/// <summary>Deep Wasserstein Embedding (Courty et al. 2018): an encoder phi whose squared Euclidean distances fit W2^2 between images, and a decoder psi back to histograms.</summary>
public sealed class DeepWassersteinEmbedding
{
    /// <summary>The paper's encoder and decoder for height x width images, initialised from seed.</summary>
    public DeepWassersteinEmbedding(int height, int width, int embeddingSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        (Height, Width, EmbeddingSize) = (height, width, embeddingSize);
        int pixels = height * width;
        var rng = new Random(seed);
        Encoder = new Sequential([1, height, width],
            new Conv2D(1, 20, 3, Padding.Same, rng), new Relu(), new Conv2D(20, 5, 5, Padding.Same, rng), new Relu(),
            new Flatten(), new Dense(5 * pixels, 100, rng), new Dense(100, embeddingSize, rng));
        Decoder = new Sequential([embeddingSize],
            new Dense(embeddingSize, 100, rng), new Relu(), new Dense(100, 5 * pixels, rng), new Relu(), new Reshape(5, height, width),
            new Conv2D(5, 20, 5, Padding.Same, rng), new Relu(), new Conv2D(20, 1, 3, Padding.Same, rng), new Flatten());
    }

    /// <summary>Image rows.</summary>
    public int Height { get; }
    /// <summary>Image columns.</summary>
    public int Width { get; }
    /// <summary>Pixels per image.</summary>
    public int Pixels => Height * Width;
    /// <summary>The embedding's dimension.</summary>
    public int EmbeddingSize { get; }

    /// <summary>phi: [batch, 1, H, W] scaled histograms to [batch, E].</summary>
    public Sequential Encoder { get; }

    /// <summary>psi up to the logits: [batch, E] to [batch, H W].</summary>
    public Sequential Decoder { get; }

    /// <summary>The encoder's and the decoder's parameters.</summary>
    public IEnumerable<Parameter> Parameters => Encoder.Parameters.Concat(Decoder.Parameters);

    /// <summary>The encoder's input for a histogram: each mass times H W.</summary>
    public void EncoderInput(ReadOnlySpan<float> histogram, Span<float> input)
    {
        float scale = Pixels;
        for (int i = 0; i < histogram.Length; i++) input[i] = histogram[i] * scale;
    }

    /// <summary>The embeddings [count, E] of histograms [count, H W], in batches.</summary>
    public float[] Embed(ReadOnlySpan<float> histograms, int batchSize = 256)
    {
        int count = CountOf(histograms.Length, Pixels, nameof(histograms));
        var result = new float[count * EmbeddingSize];
        Tensor? input = null;
        for (int start = 0; start < count; start += batchSize)
        {
            int length = Math.Min(batchSize, count - start);
            if (input is null || input.Batch != length) input = new Tensor(length, 1, Height, Width);
            for (int s = 0; s < length; s++) EncoderInput(histograms.Slice((start + s) * Pixels, Pixels), input.Sample(s));
            Encoder.Forward(input).Span.CopyTo(result.AsSpan(start * EmbeddingSize, length * EmbeddingSize));
        }
        return result;
    }

    /// <summary>The histograms [count, H W] psi gives embeddings [count, E] (softmax of the logits).</summary>
    public float[] Decode(ReadOnlySpan<float> embeddings, int batchSize = 256)
    {
        int count = CountOf(embeddings.Length, EmbeddingSize, nameof(embeddings));
        var result = new float[count * Pixels];
        Tensor? input = null;
        for (int start = 0; start < count; start += batchSize)
        {
            int length = Math.Min(batchSize, count - start);
            if (input is null || input.Batch != length) input = new Tensor(length, EmbeddingSize);
            embeddings.Slice(start * EmbeddingSize, length * EmbeddingSize).CopyTo(input.Span);
            Tensor logits = Decoder.Forward(input);
            for (int s = 0; s < length; s++) Softmax(logits.Sample(s), result.AsSpan((start + s) * Pixels, Pixels));
        }
        return result;
    }

    /// <summary>The parameters under "encoder.&lt;layer&gt;.&lt;name&gt;" and "decoder.…".</summary>
    public List<(string Name, int[] Shape, float[] Data)> NamedParameters() =>
    [
        .. SafeTensors.NamedParameters(Encoder).Select(t => ("encoder." + t.Name, t.Shape, t.Data)),
        .. SafeTensors.NamedParameters(Decoder).Select(t => ("decoder." + t.Name, t.Shape, t.Data)),
    ];

    /// <summary>Writes the weights and the shape (height, width, embedding) as safetensors, atomically.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["format"] = "otnet-dwe",
            ["height"] = Height.ToString(CultureInfo.InvariantCulture),
            ["width"] = Width.ToString(CultureInfo.InvariantCulture),
            ["embedding"] = EmbeddingSize.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(path, NamedParameters(), all);
    }

    /// <summary>A model saved by Save; the file's metadata is returned too.</summary>
    /// <exception cref="InvalidDataException">Not a DWE model file, or a tensor missing or misshapen.</exception>
    public static (DeepWassersteinEmbedding Model, Dictionary<string, string> Metadata) Load(string path)
    {
        var (tensors, metadata) = SafeTensors.Load(path);
        if (!metadata.TryGetValue("format", out string? format) || format != "otnet-dwe")
            throw new InvalidDataException($"{path}: not a DWE model (metadata format is '{format}', expected 'otnet-dwe').");
        int Read(string key) => metadata.TryGetValue(key, out string? v) && int.TryParse(v, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n : throw new InvalidDataException($"{path}: metadata '{key}' is missing or not a positive integer.");
        var model = new DeepWassersteinEmbedding(Read("height"), Read("width"), Read("embedding"), seed: 0);
        var expected = model.NamedParameters();
        foreach (var (name, shape, data) in expected) SafeTensors.CopyTensor(path, tensors, name, shape, data);
        if (tensors.Count != expected.Count) throw new InvalidDataException($"{path}: holds tensors the model does not have.");
        return (model, metadata);
    }

    private static void Softmax(ReadOnlySpan<float> logits, Span<float> p)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        double total = 0;
        for (int i = 0; i < logits.Length; i++) total += Math.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) p[i] = (float)(Math.Exp(logits[i] - max) / total);
    }

    private static int CountOf(int length, int per, string name) =>
        length % per == 0 ? length / per : throw new ArgumentException($"{name} has {length} values, not a multiple of {per}.", name);
}
