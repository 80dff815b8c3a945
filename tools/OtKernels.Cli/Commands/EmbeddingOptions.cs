// The options that say what an embedding is, shared by `otk embed train` (MNIST images) and
// `otk embed graph` (graph nodes), so both spell, check and read them the same way: M points
// in R^k per item, compared by the Euclidean distance or by an entropic Wasserstein distance
// after L Sinkhorn iterations (eps, the reading, the ground metric, how the gradient is taken).
using System.CommandLine;
using OtKernels.Autodiff.Entropic;
using OtKernels.Geometry;
using OtNet.Models;

namespace OtKernels.Cli.Commands;

internal sealed class EmbeddingOptions
{
    private readonly Option<int> _points, _dimension, _iterations;
    private readonly Option<double> _epsilon;
    private readonly Option<string> _distance, _reading, _metric, _gradient;

    private readonly bool _hasDistance;

    /// <summary>The options with the defaults of one command (what an item is called in the
    /// descriptions: "image", "node"); without distanceOption the command decides the distance
    /// itself (Read then says Wasserstein).</summary>
    public EmbeddingOptions(string item, int points, string metric, string reading = "transport", int dimension = 2, bool distanceOption = true)
    {
        _hasDistance = distanceOption;
        _points = new Option<int>("--points") { Description = $"M, points per {item} (1..64).", DefaultValueFactory = _ => points };
        _dimension = new Option<int>("--dimension") { Description = "k, the points' dimension (1..16).", DefaultValueFactory = _ => dimension };
        _distance = new Option<string>("--distance")
        {
            Description = "wasserstein (entropic, through Sinkhorn) or euclidean (the same M k numbers as one vector: the baseline).", DefaultValueFactory = _ => "wasserstein",
        };
        _epsilon = new Option<double>("--epsilon") { Description = "Sinkhorn's eps, in the unit of the ground cost.", DefaultValueFactory = _ => 0.05 };
        _iterations = new Option<int>("--iterations") { Description = "L, Sinkhorn iterations differentiated through.", DefaultValueFactory = _ => 20 };
        _reading = new Option<string>("--reading") { Description = "transport (<P, C>), value (OT_eps) or divergence (S_eps).", DefaultValueFactory = _ => reading };
        _metric = new Option<string>("--metric")
        {
            Description = "Ground metric: sqeuclidean (W2; the distance is the square root of the reading) or euclidean (W1).", DefaultValueFactory = _ => metric,
        };
        _gradient = new Option<string>("--gradient")
        {
            Description = "unrolled (through the L iterations, exact) or envelope (the last plan held fixed).", DefaultValueFactory = _ => "unrolled",
        };
    }

    /// <summary>Adds the options to command.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[_points, _dimension, _distance, _epsilon, _iterations, _reading, _metric, _gradient])
            if (option != _distance || _hasDistance) command.Options.Add(option);
    }

    /// <summary>M, k, the distance and the Sinkhorn options parsed, or an error naming the option.</summary>
    public (int Points, int Dimension, EmbeddingDistance Distance, EntropicDistanceOptions Sinkhorn) Read(ParseResult parse)
    {
        int m = parse.GetValue(_points), k = parse.GetValue(_dimension);
        if (m is < 1 or > 64) throw new ArgumentException($"--points {m}: M must be in 1..64.");
        if (k is < 1 or > 16) throw new ArgumentException($"--dimension {k}: k must be in 1..16.");
        var sinkhorn = new EntropicDistanceOptions
        {
            Epsilon = parse.GetValue(_epsilon), Iterations = parse.GetValue(_iterations),
            Kind = OptionChoice.Of(parse.GetValue(_reading)!, "--reading", ("transport", EntropicDistanceKind.TransportCost), ("value", EntropicDistanceKind.Value), ("divergence", EntropicDistanceKind.Divergence)),
            Metric = OptionChoice.Of(parse.GetValue(_metric)!, "--metric", ("sqeuclidean", GroundMetric.SqEuclidean), ("euclidean", GroundMetric.Euclidean)),
            Gradient = OptionChoice.Of(parse.GetValue(_gradient)!, "--gradient", ("unrolled", EntropicGradient.Unrolled), ("envelope", EntropicGradient.Envelope)),
        };
        EmbeddingDistance distance = !_hasDistance ? EmbeddingDistance.Wasserstein : OptionChoice.Of(parse.GetValue(_distance)!, "--distance", ("wasserstein", EmbeddingDistance.Wasserstein), ("euclidean", EmbeddingDistance.Euclidean));
        return (m, k, distance, sinkhorn);
    }
}
