// otk dwe train: trains the Deep Wasserstein Embedding (Courty et al. 2018) on the pairs of
// `otk dwe pairs` (DIR/train.csv, DIR/valid.csv), with the authors' settings as defaults
// (lambda_KL 10, lambda_s 1e-3, Adam, batches of 100, early stopping with patience 3 on the
// validation loss; --plateau-decay cuts the rate after an epoch that does not improve it).
// Writes OUT/model.safetensors (the best validation epoch's model), OUT/checkpoint.safetensors
// (an interrupted run resumes from it), OUT/history.csv and the loss curves OUT/loss.svg
// (both after every epoch); progress lines give pairs/s and the time left in the epoch.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtKernels.Geometry;
using OtKernels.IO;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;
using OtNet.Training;

namespace OtKernels.Cli.Commands;

internal static class DweTrainCommand
{
    public static Command Create()
    {
        var pairs = new Option<DirectoryInfo>("--pairs") { Description = "Directory of `otk dwe pairs` (train.csv, valid.csv, manifest.json).", Required = true };
        var epochs = new Option<int>("--max-epochs") { Description = "Epoch limit (early stopping usually ends sooner).", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch-size") { Description = "Pairs per Adam step (the paper: 32 to 100).", DefaultValueFactory = _ => 100 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's learning rate.", DefaultValueFactory = _ => 1e-3 };
        var kl = new Option<double>("--kl-weight") { Description = "lambda_KL, the reconstruction's weight.", DefaultValueFactory = _ => 10 };
        var sparsity = new Option<double>("--sparsity-weight") { Description = "lambda_s, the l_1/2 sparsity penalty's weight.", DefaultValueFactory = _ => 1e-3 };
        var patience = new Option<int>("--patience") { Description = "Epochs without a better validation loss before stopping.", DefaultValueFactory = _ => 3 };
        var decay = new Option<double>("--plateau-decay")
        {
            Description = "Multiply the learning rate by this after each epoch that does not improve the validation loss (1: constant, as the authors).",
            DefaultValueFactory = _ => 1,
        };
        var embedding = new Option<int>("--embedding") { Description = "Embedding dimension E.", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights and the batch order.", DefaultValueFactory = _ => 1 };
        var trainPairs = new Option<int>("--train-pairs") { Description = "Use only the first N training pairs (0: all).", DefaultValueFactory = _ => 0 };
        var validPairs = new Option<int>("--valid-pairs") { Description = "Use only the first N validation pairs (0: all).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory.", DefaultValueFactory = _ => new DirectoryInfo("runs/dwe") };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("train", "Train the DWE encoder and decoder on exact W2^2 pairs.")
            { pairs, epochs, batch, rate, kl, sparsity, patience, decay, embedding, seed, trainPairs, validPairs, output, dataDir };
        command.SetAction(parse => CliErrors.Run(() => Run(
            DweTraining.DefaultOptions with
            {
                MaxEpochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(rate),
                Patience = parse.GetValue(patience),
                PlateauDecay = parse.GetValue(decay),
                Seed = parse.GetValue(seed),
            },
            new DweLossWeights { KlWeight = parse.GetValue(kl), SparsityWeight = parse.GetValue(sparsity) },
            parse.GetValue(pairs)!, parse.GetValue(embedding), parse.GetValue(trainPairs), parse.GetValue(validPairs), parse.GetValue(output)!,
            MnistStore.DataDirectory(parse.GetValue(dataDir)))));
        return command;
    }

    private static int Run(TrainingOptions options, DweLossWeights weights, DirectoryInfo pairsDirectory, int embedding, int trainLimit, int validLimit,
        DirectoryInfo output, string dataDirectory)
    {
        options.Validate();
        weights.Validate();
        if (embedding < 1) throw new ArgumentException($"--embedding {embedding}: must be positive.");
        if (trainLimit < 0 || validLimit < 0) throw new ArgumentException("--train-pairs and --valid-pairs must be 0 (all) or positive.");
        string split = (W2PairsDataSet.ReadRecipe(pairsDirectory.FullName)
            ?? throw new ArgumentException($"--pairs {pairsDirectory.FullName}: no manifest.json; make the pairs with `otk dwe pairs --out DIR`.")).Split;
        MnistSplit images = MnistStore.Load(dataDirectory, split);
        float[] histograms = images.Float32Histograms();
        W2Pairs train = Limit(W2Pairs.Read(W2PairsDataSet.PartPath(pairsDirectory.FullName, "train"), images.Count), trainLimit);
        W2Pairs valid = Limit(W2Pairs.Read(W2PairsDataSet.PartPath(pairsDirectory.FullName, "valid"), images.Count), validLimit);
        if (train.Count < options.BatchSize) throw new ArgumentException($"--batch-size {options.BatchSize}: only {train.Count} training pairs.");
        using OutputLock claim = OutputLock.ForDirectory(output.FullName, line => Console.Error.WriteLine($"dwe train: {line}"));
        var run = new TrainingRun(output.FullName);
        var model = new DeepWassersteinEmbedding(images.Height, images.Width, embedding, options.Seed);
        Console.Error.WriteLine($"dwe train: {train.Count} training and {valid.Count} validation pairs of {split} images, E = {embedding}, "
                                + $"batch {options.BatchSize}, lambda_KL {weights.KlWeight}, lambda_s {weights.SparsityWeight}, patience {options.Patience}, "
                                + $"learning rate {options.LearningRate}{(options.PlateauDecay < 1 ? $" times {options.PlateauDecay} per epoch without improvement" : "")}");
        var clock = Stopwatch.StartNew();
        // loss.svg is redrawn after every epoch, so a killed run keeps it. Logarithmic: the
        // first epoch's loss is hundreds of times the later ones.
        void Plot(IReadOnlyList<EpochRecord> history) => HistoryPlots.Write(run, history,
            new HistoryFigure("loss.svg", "DWE: loss of eq. 2 and its distance term", "mean over pairs",
                ["train_loss", "valid_loss", "train_distance_mse", "valid_distance_mse"], Logarithmic: true));
        List<EpochRecord> history = Trainer.Train(new DweTask(model, histograms, train, valid, weights, options.BatchSize), options with { Run = run },
            line => Console.Error.WriteLine($"dwe train: {line}"), Plot);
        Plot(history); // when a finished run was resumed, no epoch ran here
        EpochRecord best = history.MinBy(h => h["valid_loss"])!;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            epochs = history.Count,
            best_epoch = best.Epoch,
            best_valid_loss = best["valid_loss"],
            best_valid_distance_mse = best["valid_distance_mse"],
            seconds_this_run = Math.Round(clock.Elapsed.TotalSeconds, 1),
            seconds_all_epochs = Math.Round(history.Sum(h => h.Seconds), 1),
            model = run.Model,
        }));
        return 0;
    }

    private static W2Pairs Limit(W2Pairs pairs, int limit) => limit == 0 ? pairs : pairs.Take(limit);
}
