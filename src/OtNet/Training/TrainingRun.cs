// A training run's directory, the one layout every trainer writes: model.safetensors (the
// last or the best model), checkpoint.safetensors (the state an interrupted run resumes
// from) and history.csv (one row per epoch), each rewritten atomically after every epoch so
// that a killed run keeps them. Plots are drawn from the history by whoever shows them.
using OtKernels.IO;

namespace OtNet.Training;

/// <summary>The files of a training run in one directory.</summary>
public sealed class TrainingRun
{
    /// <summary>A run in directory (created when missing).</summary>
    public TrainingRun(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The run's directory.</summary>
    public string Directory { get; }
    /// <summary>model.safetensors: the model the run keeps.</summary>
    public string Model => Path.Combine(Directory, "model.safetensors");
    /// <summary>checkpoint.safetensors: weights, optimiser state, history and settings.</summary>
    public string Checkpoint => Path.Combine(Directory, "checkpoint.safetensors");
    /// <summary>history.csv: one row per epoch (<see cref="EpochRecord.ToCsvRow"/>).</summary>
    public string History => Path.Combine(Directory, "history.csv");

    /// <summary>Rewrites history.csv atomically.</summary>
    public void WriteHistory(IReadOnlyList<EpochRecord> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) return;
        AtomicFile.WriteAllText(History, history[0].CsvHeader() + "\n" + string.Concat(history.Select(h => h.ToCsvRow() + "\n")));
    }
}
