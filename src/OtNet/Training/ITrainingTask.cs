// What the one training loop (Trainer) needs from a model and its data: the parameters to
// step and to checkpoint, a mini-batch's forward and backward pass, the evaluation after each
// epoch and the metric that decides which epoch is best. The classifier, Deep Wasserstein
// Embedding and the entropic Wasserstein embeddings are each one such task; batching,
// shuffling, the schedule, early stopping, checkpoints and the history are the loop's.
namespace OtNet.Training;

/// <summary>A model and its data, as the one training loop (<see cref="Trainer"/>) drives them.</summary>
public interface ITrainingTask
{
    /// <summary>The parameters the optimiser steps, in a fixed order.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The parameters by name, as checkpoints and model files store them.</summary>
    IReadOnlyList<(string Name, int[] Shape, float[] Data)> NamedParameters();

    /// <summary>Training examples the loop shuffles into mini-batches.</summary>
    int Examples { get; }

    /// <summary>Names of the values <see cref="TrainBatch"/> returns (history columns); the
    /// first is the loss.</summary>
    IReadOnlyList<string> TrainMetrics { get; }

    /// <summary>Names of the values <see cref="Evaluate"/> returns (history columns).</summary>
    IReadOnlyList<string> EvaluationMetrics { get; }

    /// <summary>The evaluation metric that ranks epochs (best model, early stopping, plateau
    /// decay), and whether higher is better.</summary>
    (string Name, bool HigherIsBetter) Monitor { get; }

    /// <summary>What a resumed run must share with the run that wrote the checkpoint, as
    /// "name=value" lines (data sizes, loss weights, architecture).</summary>
    string Settings { get; }

    /// <summary>Called before each epoch's first batch with the epoch's index from 0 (also the
    /// first epoch after a resume), for work a task does per epoch, such as choosing a coreset
    /// from the current model. Nothing by default.</summary>
    void BeginEpoch(int epoch)
    {
    }

    /// <summary>Forward and backward on the examples at indices: adds the gradients of the
    /// mean loss to the parameters and returns the batch means of <see cref="TrainMetrics"/>.</summary>
    double[] TrainBatch(int[] indices);

    /// <summary>The values of <see cref="EvaluationMetrics"/> after an epoch (forward only).</summary>
    double[] Evaluate();

    /// <summary>Writes the model (not the optimiser) to path with the loop's metadata added.</summary>
    void SaveModel(string path, IReadOnlyDictionary<string, string> metadata);
}
