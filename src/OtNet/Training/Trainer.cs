// The one training loop: Adam over seeded, shuffled full mini-batches (MiniBatches), the
// learning-rate schedule, the task's evaluation after every epoch, the model kept (last or
// best), early stopping and plateau decay on the task's monitored metric, and after every
// epoch the run's files: the model, a checkpoint (weights, Adam's moments and step count,
// the history, the early-stopping state, the rate and the settings) and history.csv. A
// run resumed from its checkpoint sees the same batches with the same optimiser state, so
// it ends bit for bit where the uninterrupted run would have; a checkpoint written with
// other settings is refused, saying which differ.
using System.Diagnostics;
using System.Globalization;
using OtNet.Data;
using OtNet.Optimizers;

namespace OtNet.Training;

/// <summary>Trains any <see cref="ITrainingTask"/>: batches, schedule, early stopping, checkpoints and history.</summary>
public static class Trainer
{
    /// <summary>Trains task; returns the history of all epochs (resumed ones included).
    /// progress gets a line per 100 batches and per epoch, afterEpoch the history after each
    /// epoch's files are written (for plots that must survive an interruption).</summary>
    /// <exception cref="ArgumentException">Fewer examples than a batch, or a checkpoint of a
    /// run with other settings.</exception>
    /// <exception cref="InvalidDataException">A damaged checkpoint, or one of another model.</exception>
    public static List<EpochRecord> Train(ITrainingTask task, TrainingOptions options, Action<string> progress,
        Action<IReadOnlyList<EpochRecord>>? afterEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        options.Validate();
        if (task.Examples < options.BatchSize)
            throw new ArgumentException($"Training needs a full batch of {options.BatchSize} examples: {task.Examples} given.", nameof(task));
        string[] names = [.. task.TrainMetrics, .. task.EvaluationMetrics];
        (string monitor, bool higherIsBetter) = task.Monitor;
        var adam = new Adam(task.Parameters, options.LearningRate);
        var state = new State(higherIsBetter ? double.NegativeInfinity : double.PositiveInfinity, 0, 0, []);
        string settings = options.Settings() + "\n" + task.Settings;
        if (options.Run is { } resume && File.Exists(resume.Checkpoint))
        {
            state = Restore(resume.Checkpoint, task, adam, names, settings);
            resume.WriteHistory(state.History); // rewritten from the checkpoint, even when no epoch is left to run
            progress($"resumed from {resume.Checkpoint} after epoch {state.Epoch} (best {monitor} {state.Best:G5}, {state.SinceBest} epoch(s) since, learning rate {adam.LearningRate:G4})");
        }
        List<EpochRecord> history = state.History;
        for (int epoch = state.Epoch; epoch < options.MaxEpochs && state.SinceBest < options.Patience; epoch++)
        {
            if (options.Schedule == LearningRateScheduleKind.Cosine)
                adam.LearningRate = LearningRateSchedule.Cosine(options.LearningRate, epoch, options.MaxEpochs, options.LearningRate / 20);
            double rate = adam.LearningRate;
            var clock = Stopwatch.StartNew();
            task.BeginEpoch(epoch); // inside the epoch's time: a task's per-epoch work is paid for
            var sums = new double[task.TrainMetrics.Count];
            int seen = 0, batches = task.Examples / options.BatchSize, done = 0;
            // Full batches only, so that a task's tensors are made once; left-over examples are
            // seen in other epochs, in another order.
            foreach (int[] indices in MiniBatches.Shuffled(task.Examples, options.BatchSize, options.Seed, epoch, dropLast: true))
            {
                double[] values = task.TrainBatch(indices);
                adam.Step();
                for (int k = 0; k < sums.Length; k++) sums[k] += values[k] * indices.Length;
                seen += indices.Length;
                if (++done % 100 == 0)
                {
                    double perSecond = seen / clock.Elapsed.TotalSeconds;
                    progress($"epoch {epoch + 1}: {done}/{batches} batches, {task.TrainMetrics[0]} {sums[0] / seen:G5}, "
                             + $"{perSecond:F0} examples/s, {(batches * options.BatchSize - seen) / perSecond:F0} s left in the epoch");
                }
            }
            double[] evaluation = task.Evaluate();
            var record = new EpochRecord(epoch + 1, names, [.. sums.Select(s => s / seen), .. evaluation], clock.Elapsed.TotalSeconds, rate);
            history.Add(record);
            double value = record[monitor];
            bool improved = higherIsBetter ? value > state.Best : value < state.Best;
            int sinceBest = improved ? 0 : state.SinceBest + 1;
            if (!improved) adam.LearningRate *= options.PlateauDecay;
            state = new State(improved ? value : state.Best, epoch + 1, sinceBest, history);
            progress($"epoch {epoch + 1}: {string.Join(", ", names.Select((n, k) => $"{n} {record.Values[k]:G5}"))}, "
                     + (improved ? "best so far" : $"{sinceBest} epoch(s) without improvement") + $", {record.Seconds:F0} s"
                     + (!improved && options.PlateauDecay < 1 ? $"; learning rate now {adam.LearningRate:G4}" : ""));
            if (options.Run is { } run)
            {
                if (options.Keep == ModelSelection.Last || improved)
                    task.SaveModel(run.Model, new Dictionary<string, string>
                    {
                        ["epoch"] = (epoch + 1).ToString(CultureInfo.InvariantCulture),
                        [monitor] = value.ToString("R", CultureInfo.InvariantCulture),
                    });
                Save(run.Checkpoint, task, adam, state, settings);
                run.WriteHistory(history);
            }
            afterEpoch?.Invoke(history);
        }
        return history;
    }

    /// <summary>Where a run stands after an epoch: the best monitored value, the epochs done,
    /// those since the best, and the history.</summary>
    private sealed record State(double Best, int Epoch, int SinceBest, List<EpochRecord> History);

    private static void Save(string path, ITrainingTask task, Adam adam, State state, string settings) =>
        Checkpoint.Save(path, task.NamedParameters(), adam, new Dictionary<string, string>
        {
            ["epoch"] = state.Epoch.ToString(CultureInfo.InvariantCulture),
            ["best"] = state.Best.ToString("R", CultureInfo.InvariantCulture),
            ["since_best"] = state.SinceBest.ToString(CultureInfo.InvariantCulture),
            ["learning_rate"] = adam.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["history"] = string.Join(";", state.History.Select(h => h.ToCsvRow())),
            ["settings"] = settings,
        });

    private static State Restore(string path, ITrainingTask task, Adam adam, string[] names, string settings)
    {
        Dictionary<string, string> metadata;
        State state;
        try
        {
            metadata = Checkpoint.Restore(path, task.NamedParameters(), adam);
            adam.LearningRate = double.Parse(metadata["learning_rate"], CultureInfo.InvariantCulture);
            string history = metadata["history"];
            state = new State(double.Parse(metadata["best"], CultureInfo.InvariantCulture), int.Parse(metadata["epoch"], CultureInfo.InvariantCulture),
                int.Parse(metadata["since_best"], CultureInfo.InvariantCulture),
                history.Length == 0 ? [] : history.Split(';').Select(row => EpochRecord.Parse(row, names)).ToList());
        }
        catch (Exception e) when (e is InvalidDataException or KeyNotFoundException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{path} is damaged or belongs to another model ({e.Message}); delete it to start over "
                + "(the model file written so far is kept).", e);
        }
        // A resumed run must be the run that was interrupted: other settings would give another
        // batch order or loss, and a history that mixes two runs.
        if (!metadata.TryGetValue("settings", out string? saved) || saved != settings)
            throw new ArgumentException($"{path} was written by a run with other settings ({Differences(saved ?? "", settings)}); "
                + "resume with the checkpoint's settings, or delete it (or write elsewhere) to start over.", "options");
        return state;
    }

    /// <summary>"batch size 100, now 50; seed 1, now 2" for the settings that differ.</summary>
    private static string Differences(string saved, string now)
    {
        static Dictionary<string, string> Parse(string text) => text.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        Dictionary<string, string> before = Parse(saved), after = Parse(now);
        return string.Join("; ", after.Where(p => !before.TryGetValue(p.Key, out string? v) || v != p.Value)
            .Select(p => $"{p.Key} {(before.TryGetValue(p.Key, out string? v) ? v : "unrecorded")}, now {p.Value}"));
    }
}
