// The options of the one training loop (Trainer): what every task shares. A task's own
// options (loss weights, architecture) live with the task.
using System.Globalization;

namespace OtNet.Training;

/// <summary>How the learning rate moves from epoch to epoch.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>Constant, except for <see cref="TrainingOptions.PlateauDecay"/>.</summary>
    Constant,
    /// <summary>Cosine annealing from the rate to a twentieth of it over MaxEpochs (Loshchilov
    /// and Hutter 2017).</summary>
    Cosine,
}

/// <summary>Which model a run keeps in its model file.</summary>
public enum ModelSelection
{
    /// <summary>The model after the last epoch.</summary>
    Last,
    /// <summary>The model of the best epoch by the task's monitored metric.</summary>
    Best,
}

/// <summary>How the one training loop runs: epochs, batches, Adam's rate and its schedule,
/// early stopping and where the run's files go.</summary>
public sealed record TrainingOptions
{
    /// <summary>The most epochs (early stopping may end sooner).</summary>
    public int MaxEpochs { get; init; } = 10;
    /// <summary>Examples per batch (full batches only; the rest are seen in other epochs).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>The learning-rate schedule.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>The rate is multiplied by this after every epoch that does not improve the
    /// monitored metric (Keras' ReduceLROnPlateau with patience 1); 1 keeps it.</summary>
    public double PlateauDecay { get; init; } = 1;

    /// <summary>Stop after this many epochs without a better monitored metric.</summary>
    public int Patience { get; init; } = int.MaxValue;

    /// <summary>The seed of the shuffles.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Which model the run's model file holds.</summary>
    public ModelSelection Keep { get; init; } = ModelSelection.Last;

    /// <summary>The run's directory (model, checkpoint, history); null for no files.</summary>
    public TrainingRun? Run { get; init; }

    /// <summary>Refuses options out of range, naming the option.</summary>
    public void Validate()
    {
        if (MaxEpochs < 1) throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, "MaxEpochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive and finite.");
        if (!(PlateauDecay > 0 && PlateauDecay <= 1)) throw new ArgumentOutOfRangeException(nameof(PlateauDecay), PlateauDecay, "PlateauDecay must be in (0, 1].");
        if (Patience < 1) throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "Patience must be at least 1.");
    }

    /// <summary>What a resumed run must share with the interrupted one (the epoch limit,
    /// patience and rate may change).</summary>
    internal string Settings() => string.Join("\n", $"batch size={BatchSize}", $"seed={Seed}", $"schedule={Schedule}",
        $"plateau decay={PlateauDecay.ToString("R", CultureInfo.InvariantCulture)}");
}
