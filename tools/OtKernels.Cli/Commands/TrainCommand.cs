// otk train mnist-classifier: the proof of the OtNet stack, a small CNN trained on MNIST on
// the CPU by the one training loop (Trainer). Writes the run directory (TrainingRun: the
// model, a checkpoint per epoch from which an interrupted run resumes, history.csv) and the
// loss and accuracy curves as SVG.
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtKernels.IO;
using OtNet.Data;
using OtNet.Training;

namespace OtKernels.Cli.Commands;

internal static class TrainCommand
{
    public static Command Create()
    {
        var epochs = new Option<int>("--epochs") { Description = "Passes over the 60,000 training images.", DefaultValueFactory = _ => 4 };
        var batch = new Option<int>("--batch-size") { Description = "Images per Adam step.", DefaultValueFactory = _ => 64 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's initial learning rate (cosine-annealed to 1/20 of it).", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights and the batch order.", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--train-count") { Description = "Use only the first N training images (0: all).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory.", DefaultValueFactory = _ => new DirectoryInfo("runs/mnist-classifier") };
        var dataDir = DataDirectoryOption.Create();
        var classifier = new Command("mnist-classifier", "Train a small CNN on MNIST (conv 32, conv 64, dense 128, dense 10).") { epochs, batch, rate, seed, limit, output, dataDir };
        classifier.SetAction(parse => CliErrors.Run(() => Run(
            ClassifierTraining.DefaultOptions with { MaxEpochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(rate), Seed = parse.GetValue(seed) },
            parse.GetValue(limit), parse.GetValue(output)!, MnistStore.DataDirectory(parse.GetValue(dataDir)))));
        return new Command("train", "Train networks of the OtNet stack.") { classifier };
    }

    private static int Run(TrainingOptions options, int trainCount, DirectoryInfo output, string dataDirectory)
    {
        // --epochs is MaxEpochs: the cosine schedule runs over all of them.
        if (options.MaxEpochs < 1) throw new ArgumentException($"--epochs {options.MaxEpochs}: --epochs must be at least 1.");
        options.Validate();
        if (trainCount < 0) throw new ArgumentException($"--train-count {trainCount}: must be 0 (all) or positive.");
        LabelledImages train = MnistImages.Of(MnistStore.Load(dataDirectory, "train"), 0, trainCount), test = MnistImages.Of(MnistStore.Load(dataDirectory, "test"), 0, 0);
        AtomicFile.CreateDirectory(output.FullName);
        var run = new TrainingRun(output.FullName);
        var model = ClassifierTraining.MnistCnn(options.Seed);
        var clock = Stopwatch.StartNew();
        // The curves are redrawn after every epoch, so a killed run keeps them.
        void Plot(IReadOnlyList<EpochRecord> history) => HistoryPlots.Write(run, history,
            new HistoryFigure("loss.svg", "MNIST classifier: training loss", "cross-entropy", ["train_loss"]),
            new HistoryFigure("accuracy.svg", "MNIST classifier: test accuracy", "accuracy (%)", ["test_accuracy"], Scale: 100));
        List<EpochRecord> history = Trainer.Train(new ClassifierTask(model, train, test, options.BatchSize), options with { Run = run }, Console.Error.WriteLine, Plot);
        Plot(history); // when a finished run was resumed, no epoch ran here
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            test_accuracy = history[^1]["test_accuracy"],
            epochs = history.Count,
            seconds_this_run = Math.Round(clock.Elapsed.TotalSeconds, 1),
            seconds_all_epochs = Math.Round(history.Sum(h => h.Seconds), 1),
            model = run.Model,
        }));
        return 0;
    }
}
