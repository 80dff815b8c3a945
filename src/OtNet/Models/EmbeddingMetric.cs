// The distance between two embeddings of M points in R^k: an entropic Wasserstein distance
// between the uniform clouds (UnrolledCloudDistance, L Sinkhorn iterations differentiated
// through) or, for the Euclidean baseline, |u - v| between the flattened M k vectors. It is
// reported as a distance, not its square: sqrt of the reading for a squared ground metric
// (so W2 for <P, C> on |x - y|^2), the reading itself for the Euclidean one (W1). Images
// (WassersteinEmbedding) and graph nodes (GraphEmbeddingTask) share it.
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Geometry;

namespace OtNet.Models;

/// <summary>How two embeddings are compared.</summary>
public enum EmbeddingDistance
{
    /// <summary>An entropic Wasserstein distance between the M-point clouds.</summary>
    Wasserstein,
    /// <summary>|u - v| between the flattened M k vectors (the Siamese baseline).</summary>
    Euclidean,
}

/// <summary>The distance between embeddings of M points in R^k, with its gradient.</summary>
public sealed class EmbeddingMetric
{
    /// <summary>The smallest squared reading whose root is taken; below it the distance is
    /// held at its root, so the gradient stays finite where two embeddings coincide.</summary>
    private const double SmallestSquare = 1e-12;

    /// <summary>The distance between embeddings of points x dimension numbers.</summary>
    public EmbeddingMetric(int points, int dimension, EmbeddingDistance distance, EntropicDistanceOptions sinkhorn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentNullException.ThrowIfNull(sinkhorn);
        sinkhorn.Validate();
        if (!Enum.IsDefined(distance)) throw new ArgumentOutOfRangeException(nameof(distance), distance, "Distance must be Wasserstein or Euclidean.");
        (Points, Dimension, Distance, Sinkhorn) = (points, dimension, distance, sinkhorn);
    }

    /// <summary>M, the points of each embedding.</summary>
    public int Points { get; }
    /// <summary>k, the dimension of each point.</summary>
    public int Dimension { get; }
    /// <summary>M k, the numbers of one embedding.</summary>
    public int EmbeddingSize => Points * Dimension;
    /// <summary>Wasserstein or Euclidean.</summary>
    public EmbeddingDistance Distance { get; }
    /// <summary>The entropic distance's settings (used when Distance is Wasserstein).</summary>
    public EntropicDistanceOptions Sinkhorn { get; }

    /// <summary>Where the Sinkhorn distances run: null for the CPU code (UnrolledCloudDistance,
    /// double, every reading); an accelerator runs them through UnrolledCloudDistance's
    /// accelerator overloads, on a device the point-cloud kernels (float) for the Value and
    /// Divergence readings with their unrolled reverse pass, on |x - y|^2 or |x - y|.</summary>
    /// <exception cref="ArgumentException">Set for settings the kernels do not compute: the
    /// TransportCost reading or the Envelope gradient.</exception>
    public Accelerator? Accelerator
    {
        get => _accelerator;
        set
        {
            if (value is not null && Distance == EmbeddingDistance.Wasserstein
                && (Sinkhorn.Kind == EntropicDistanceKind.TransportCost || Sinkhorn.Gradient != EntropicGradient.Unrolled))
                throw new ArgumentException($"The accelerator's kernels compute the value and divergence readings with the unrolled gradient; this metric is {Sinkhorn.Kind} with the {Sinkhorn.Gradient} gradient.", nameof(value));
            _accelerator = value;
        }
    }

    private Accelerator? _accelerator;

    /// <summary>distances[p] between embeddings u[p] and v[p] ([P, M k] each). With
    /// upstream (dLoss/ddistance per pair), writes upstream[p] times the gradients into
    /// gradientU and gradientV.</summary>
    public void Distances(float[] u, float[] v, double[] distances, double[]? upstream = null, float[]? gradientU = null, float[]? gradientV = null)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(distances);
        int pairs = distances.Length;
        if (Distance == EmbeddingDistance.Euclidean)
        {
            EuclideanDistances(u, v, distances, upstream, gradientU, gradientV);
            return;
        }
        // The reading R, then d = sqrt(R) for a squared ground metric: dd/dR = 1 / (2 d). The
        // reverse pass runs with unit upstreams beside the forward; each pair's gradient is
        // then scaled by its own chain factor, which needs its reading.
        bool squared = Sinkhorn.Metric == GroundMetric.SqEuclidean;
        var readings = new double[pairs];
        if (upstream is null) Readings(u, v, Sinkhorn, readings);
        else
        {
            ArgumentNullException.ThrowIfNull(gradientU);
            ArgumentNullException.ThrowIfNull(gradientV);
            Readings(u, v, Sinkhorn, readings, Enumerable.Repeat(1.0, pairs).ToArray(), gradientU, gradientV);
            int size = EmbeddingSize;
            for (int p = 0; p < pairs; p++)
            {
                double chain = !squared ? upstream[p] : readings[p] > SmallestSquare ? upstream[p] / (2 * Math.Sqrt(readings[p])) : 0;
                System.Numerics.Tensors.TensorPrimitives.Multiply(gradientU.AsSpan(p * size, size), (float)chain, gradientU.AsSpan(p * size, size));
                System.Numerics.Tensors.TensorPrimitives.Multiply(gradientV.AsSpan(p * size, size), (float)chain, gradientV.AsSpan(p * size, size));
            }
        }
        for (int p = 0; p < pairs; p++) distances[p] = DistanceOf(readings[p]);
    }

    /// <summary>The distance a reading stands for: its root for a squared ground metric (held at
    /// the root of SmallestSquare), the reading itself otherwise.</summary>
    private double DistanceOf(double reading) =>
        Sinkhorn.Metric == GroundMetric.SqEuclidean ? Math.Sqrt(Math.Max(reading, SmallestSquare)) : reading;

    /// <summary>The readings of the pairs (and their gradients for the upstreams) where this
    /// metric runs: the CPU code, or the accelerator.</summary>
    private void Readings(float[] u, float[] v, EntropicDistanceOptions options, double[] readings,
        double[]? upstream = null, float[]? gradientU = null, float[]? gradientV = null)
    {
        if (_accelerator is null) UnrolledCloudDistance.Compute(u, v, Points, Points, Dimension, options, readings, upstream, gradientU, gradientV);
        else UnrolledCloudDistance.Compute(_accelerator, u, v, Points, Points, Dimension, options, readings, upstream, gradientU, gradientV);
    }

    /// <summary>The n x n matrix of distances between the embeddings [n, M k], as Distances
    /// gives them pair by pair; for the divergence, each cloud's self term is solved once and
    /// each pair needs one solve, not three.</summary>
    public float[] Matrix(float[] embeddings, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        int size = EmbeddingSize;
        if (embeddings.Length % size != 0) throw new ArgumentException($"embeddings has {embeddings.Length} values, not a multiple of {size}.", nameof(embeddings));
        if (Distance != EmbeddingDistance.Wasserstein || Sinkhorn.Kind != EntropicDistanceKind.Divergence)
            return Analysis.PairwiseDistances.Matrix(embeddings, size, (u, v, d) => Distances(u, v, d), progress: progress);
        var self = new double[embeddings.Length / size];
        if (_accelerator is null) UnrolledCloudDistance.SelfValues(embeddings, Points, Dimension, Sinkhorn, self);
        else UnrolledCloudDistance.SelfValues(_accelerator, embeddings, Points, Dimension, Sinkhorn, self);
        EntropicDistanceOptions value = Sinkhorn with { Kind = EntropicDistanceKind.Value };
        return Analysis.PairwiseDistances.Matrix(embeddings, size, (first, second, u, v, d) =>
        {
            Readings(u, v, value, d);
            for (int p = 0; p < d.Length; p++) d[p] = DistanceOf(d[p] - 0.5 * self[first[p]] - 0.5 * self[second[p]]);
        }, progress: progress);
    }

    private void EuclideanDistances(float[] u, float[] v, double[] distances, double[]? upstream, float[]? gradientU, float[]? gradientV)
    {
        int size = EmbeddingSize;
        for (int p = 0; p < distances.Length; p++)
        {
            double sum = 0;
            for (int i = 0; i < size; i++)
            {
                double diff = (double)u[p * size + i] - v[p * size + i];
                sum += diff * diff;
            }
            double d = Math.Sqrt(sum);
            distances[p] = d;
            if (upstream is null) continue;
            double scale = d > 0 ? upstream[p] / d : 0;
            for (int i = 0; i < size; i++)
            {
                float g = (float)(scale * ((double)u[p * size + i] - v[p * size + i]));
                gradientU![p * size + i] = g;
                gradientV![p * size + i] = -g;
            }
        }
    }
}
