// otk dml: deep metric learning (Dou, Luo and Yang 2022) in the zero-shot protocol of Roth et
// al. 2020 on MNIST or Fashion-MNIST: train on the training images of classes 0-4, evaluate
// retrieval and clustering on the test images of classes 5-9, never seen in training.
//   otk dml train  a loss (wtriplet, wcontrastive on the Sinkhorn divergence between point
//                  clouds; triplet, contrastive, margin, multisimilarity, npair, proxynca
//                  on normalised Euclidean embeddings)
//                  through the one training loop; the last 1,000 training images of classes
//                  0-4 are held out and ranked by Recall@1 after every epoch;
//                  With --coreset F, epochs run over a Wasserstein coreset (WCRAIG): F of
//                  each class chosen by facility location under the model's distance, again
//                  every --reselect epochs.
//   otk dml eval   Recall@1 and @4, mAP@R, NMI and F1 of a model on the evaluation classes,
//                  as JSON.
//   otk dml plot   the evaluation embeddings in the plane and Recall@k curves (DmlPlotCommand).
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OtKernels.Data;
using OtNet.Analysis;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;
using OtNet.Training;

namespace OtKernels.Cli.Commands;

internal static class DmlCommand
{
    /// <summary>Held-out training-class images ranked after every epoch.</summary>
    private const int ValidationImages = 1000;

    private static readonly int[] TrainClasses = [0, 1, 2, 3, 4];

    internal static readonly int[] EvaluationClasses = [5, 6, 7, 8, 9];

    public static Command Create() => new("dml", "Deep Wasserstein metric learning (Dou et al. 2022), zero-shot on MNIST or Fashion-MNIST.") { Train(), Eval(), DmlPlotCommand.Create() };

    private static Command Train()
    {
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion (Fashion-MNIST).", DefaultValueFactory = _ => "fashion" };
        var loss = new Option<string>("--loss") { Description = "wtriplet, wcontrastive (Sinkhorn divergence); triplet, contrastive, margin, multisimilarity, npair or proxynca (Euclidean).", DefaultValueFactory = _ => "wtriplet" };
        var margin = new Option<double>("--margin") { Description = "gamma of the triplet or contrastive loss (default 0.2 for triplets, 1 for contrastive), alpha of the margin loss (0.2)." };
        var sampling = new Option<string>("--sampling") { Description = "Triplet negatives: random, semihard or distance (distance-weighted; Euclidean only).", DefaultValueFactory = _ => "semihard" };
        var embedding = new EmbeddingOptions("image", points: 4, metric: "euclidean", reading: "divergence", dimension: 4, distanceOption: false);
        var epochs = new Option<int>("--epochs") { Description = "Epochs (cosine-annealed rate; the best validation Recall@1 model is kept).", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Anchors per Adam step (each brings an image of its class: twice as many images).", DefaultValueFactory = _ => 32 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's initial rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, batches and sampling.", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--train-count") { Description = "Use only the first N training images of classes 0-4 (0: all but the validation ones).", DefaultValueFactory = _ => 0 };
        var coreset = new Option<double>("--coreset") { Description = "Train on a Wasserstein coreset (WCRAIG) of this share of each class, in (0, 1] (0: all images).", DefaultValueFactory = _ => 0 };
        var reselect = new Option<int>("--reselect") { Description = "Epochs between coreset selections.", DefaultValueFactory = _ => 2 };
        var chunk = new Option<int>("--coreset-chunk") { Description = "Each class is chosen from in random chunks of at most this many images.", DefaultValueFactory = _ => 500 };
        var similarity = new Option<string>("--coreset-similarity") { Description = "reciprocal (1 / d, eq. 6) or offset (max d - d).", DefaultValueFactory = _ => "reciprocal" };
        var selection = new Option<string>("--coreset-selection") { Description = "wcraig (facility location) or random (a uniform subset of the same size: the control).", DefaultValueFactory = _ => "wcraig" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory.", DefaultValueFactory = _ => new DirectoryInfo("runs/dml") };
        var dataDir = DataDirectoryOption.Create();
        Option<string> accelerator = AcceleratorOption.Create("Where the batch's Sinkhorn divergences and their reverse pass run");
        accelerator.DefaultValueFactory = _ => "cpu";
        var command = new Command("train", "Train a metric embedding on classes 0-4 with a Wasserstein or a Euclidean loss.")
            { dataset, loss, margin, sampling, epochs, batch, rate, seed, limit, coreset, reselect, chunk, similarity, selection, accelerator, output, dataDir };
        embedding.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string name = parse.GetValue(loss)!, set = DataSetName(parse.GetValue(dataset)!);
            int epochCount = parse.GetValue(epochs), trainCount = parse.GetValue(limit), anchors = parse.GetValue(batch);
            if (epochCount < 1) throw new ArgumentException($"--epochs {epochCount}: must be at least 1.");
            if (trainCount < 0) throw new ArgumentException($"--train-count {trainCount}: must be 0 (all) or positive.");
            if (anchors < 2) throw new ArgumentException($"--batch-size {anchors}: a batch needs at least two anchors to hold a positive and a negative.");
            var (m, k, _, sinkhorn) = embedding.Read(parse);
            bool wasserstein = name is "wtriplet" or "wcontrastive";
            TripletSampling rule = OptionChoice.Of(parse.GetValue(sampling)!, "--sampling",
                ("random", TripletSampling.Random), ("semihard", TripletSampling.SemiHard), ("distance", TripletSampling.DistanceWeighted));
            if (wasserstein && rule == TripletSampling.DistanceWeighted)
                throw new ArgumentException("--sampling distance: distance-weighted sampling assumes points on the unit sphere; use random or semihard with a Wasserstein loss.");
            double? given = parse.GetResult(margin) is null ? null : parse.GetValue(margin);
            if (given is { } g && !(g > 0 && double.IsFinite(g))) throw new ArgumentException($"--margin {g}: must be positive and finite.");
            int size = m * k;
            BatchMetricLoss batchLoss = OptionChoice.Of<Func<BatchMetricLoss>>(name, "--loss",
                ("wtriplet", () => new TripletBatchLoss(given ?? 0.2, rule, size)),
                ("wcontrastive", () => new ContrastiveBatchLoss(given ?? 1)),
                ("triplet", () => new TripletBatchLoss(given ?? 0.2, rule, size)),
                ("contrastive", () => new ContrastiveBatchLoss(given ?? 1)),
                ("margin", () => new MarginBatchLoss(size, given ?? 0.2)),
                ("multisimilarity", () => new MultiSimilarityBatchLoss()),
                ("npair", () => new NPairBatchLoss()),
                ("proxynca", () => new ProxyNcaBatchLoss(TrainClasses, size, new Random(parse.GetValue(seed)))))();
            if (given is not null && batchLoss is MultiSimilarityBatchLoss or NPairBatchLoss or ProxyNcaBatchLoss)
                throw new ArgumentException($"--margin {given}: the {name} loss has no margin.");
            double share = parse.GetValue(coreset);
            if (!(share >= 0 && share <= 1)) throw new ArgumentException($"--coreset {share}: the share must be in (0, 1], or 0 for all images.");
            int reselectEvery = parse.GetValue(reselect), chunkSize = parse.GetValue(chunk);
            if (reselectEvery < 1) throw new ArgumentException($"--reselect {reselectEvery}: must be at least 1 epoch.");
            if (chunkSize < 2) throw new ArgumentException($"--coreset-chunk {chunkSize}: must be at least 2 images.");
            CoresetSimilarity similarityRule = OptionChoice.Of(parse.GetValue(similarity)!, "--coreset-similarity", ("reciprocal", CoresetSimilarity.Reciprocal), ("offset", CoresetSimilarity.Offset));
            CoresetSelection selectionRule = OptionChoice.Of(parse.GetValue(selection)!, "--coreset-selection", ("wcraig", CoresetSelection.FacilityLocation), ("random", CoresetSelection.Random));
            CoresetOptions? subset = share == 0 ? null : new CoresetOptions { Fraction = share, Reselect = reselectEvery, Chunk = chunkSize, Similarity = similarityRule, Selection = selectionRule };
            var model = new WassersteinEmbedding(m, k, wasserstein ? EmbeddingDistance.Wasserstein : EmbeddingDistance.Euclidean, sinkhorn, parse.GetValue(seed), normalized: true);
            using OtKernels.Accelerators.Accelerator? device = AcceleratorOption.ForEmbedding(parse.GetValue(accelerator)!, model.Metric, "dml train");
            var options = new TrainingOptions
            {
                MaxEpochs = epochCount, BatchSize = anchors, LearningRate = parse.GetValue(rate), Seed = parse.GetValue(seed),
                Schedule = LearningRateScheduleKind.Cosine, Keep = ModelSelection.Best,
            };
            options.Validate();
            string data = MnistStore.DataDirectory(parse.GetValue(dataDir));
            MnistSplit trainSplit = Load(set, data, "train");
            int[] all = OfClasses(trainSplit, TrainClasses, 0);
            int available = all.Length - ValidationImages;
            LabelledImages train = MnistImages.Of(trainSplit, all[..(trainCount == 0 ? available : Math.Min(trainCount, available))]),
                valid = MnistImages.Of(trainSplit, all[available..]);
            DirectoryInfo outDir = parse.GetValue(output)!;
            using OtKernels.IO.OutputLock claim = OtKernels.IO.OutputLock.ForDirectory(outDir.FullName, line => Console.Error.WriteLine($"dml train: {line}"));
            var run = new TrainingRun(outDir.FullName);
            Console.Error.WriteLine($"dml train: {set}, {train.Count} training and {valid.Count} validation images of classes 0-4; loss {name}"
                + (batchLoss is TripletBatchLoss t ? $" (margin {t.Margin}, {t.Sampling})" : batchLoss is ContrastiveBatchLoss c ? $" (margin {c.Margin})" : "")
                + $"; {m} points in R^{k}" + (wasserstein ? $", {sinkhorn.Kind} (eps {sinkhorn.Epsilon}, L {sinkhorn.Iterations}, {sinkhorn.Metric})" : ", Euclidean")
                + $"; batch {anchors} anchors, rate {options.LearningRate}, {epochCount} epochs"
                + (subset is null ? "" : $"; coreset of {subset.Fraction:P0} chosen every {subset.Reselect} epochs in chunks of {subset.Chunk} ({(subset.Selection == CoresetSelection.Random ? "at random" : subset.Similarity)})"));
            var clock = Stopwatch.StartNew();
            void Plot(IReadOnlyList<EpochRecord> history) => Pictures.HistoryPlots.Write(run, history,
                new Pictures.HistoryFigure("loss.svg", $"Metric learning ({name}): training loss", "mean over the batch", ["train_loss"]),
                new Pictures.HistoryFigure("recall.svg", $"Metric learning ({name}): validation retrieval", "%", ["valid_recall_at_1", "valid_map_at_r"], Scale: 100));
            List<EpochRecord> history = Trainer.Train(new MetricLearningTask(model, batchLoss, name, train, valid, parse.GetValue(seed), subset), options with { Run = run },
                line => Console.Error.WriteLine($"dml train: {line}"), Plot);
            Plot(history);
            EpochRecord best = history.MaxBy(h => h["valid_recall_at_1"])!;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                dataset = set, loss = name, epochs = history.Count, best_epoch = best.Epoch, best_valid_recall_at_1 = best["valid_recall_at_1"],
                seconds_all_epochs = Math.Round(history.Sum(h => h.Seconds), 1),
                coreset = subset?.Fraction ?? 1, coreset_selection = subset is null ? null : parse.GetValue(selection), coreset_seconds = subset is null ? 0 : Math.Round(history.Sum(h => h["coreset_seconds"]), 1), seconds_this_run = Math.Round(clock.Elapsed.TotalSeconds, 1), model = run.Model,
            }));
            return 0;
        }));
        return command;
    }

    private static Command Eval()
    {
        var model = new Option<FileInfo>("--model") { Description = "A model of `otk dml train`.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion (Fashion-MNIST).", DefaultValueFactory = _ => "fashion" };
        var testCount = new Option<int>("--test-count") { Description = "Evaluate only the first N test images of classes 5-9 (0: all).", DefaultValueFactory = _ => 0 };
        var dataDir = DataDirectoryOption.Create();
        Option<string> accelerator = AcceleratorOption.Create("Where the test images' Sinkhorn divergences run");
        accelerator.DefaultValueFactory = _ => "cpu";
        Option<FileInfo?> embeddings = EmbeddingsFile.Create();
        var command = new Command("eval", "Retrieval and clustering of the unseen classes 5-9 (Recall@1, @4, mAP@R, NMI, F1), as JSON.") { model, dataset, testCount, accelerator, embeddings, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            FileInfo file = parse.GetValue(model)!;
            if (!file.Exists) throw new ArgumentException($"--model {file.FullName}: no such file; train one with `otk dml train`.");
            int limit = parse.GetValue(testCount);
            if (limit < 0) throw new ArgumentException($"--test-count {limit}: must be 0 (all) or positive.");
            string set = DataSetName(parse.GetValue(dataset)!);
            EmbeddingsFile.CheckTargets(parse.GetValue(embeddings));
            var (embedding, metadata) = WassersteinEmbedding.Load(file.FullName);
            using OtKernels.Accelerators.Accelerator? device = AcceleratorOption.ForEmbedding(parse.GetValue(accelerator)!, embedding.Metric, "dml eval");
            MnistSplit testSplit = Load(set, MnistStore.DataDirectory(parse.GetValue(dataDir)), "test");
            LabelledImages test = MnistImages.Of(testSplit, OfClasses(testSplit, EvaluationClasses, limit));
            if (test.Count < 5) throw new ArgumentException($"--test-count {limit}: retrieval at 4 needs at least 5 images.");
            var clock = Stopwatch.StartNew();
            MetricLearningScores scores = MetricLearningScores.Of(embedding, test, EvaluationClasses.Length, seed: 1);
            if (parse.GetValue(embeddings) is { } export)
                EmbeddingsFile.Write(export, embedding.Embed(test.Pixels), embedding.Points, embedding.Dimension, test.Labels);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                recall_at_1 = scores.RecallAt1, recall_at_4 = scores.RecallAt4, map_at_r = scores.MapAtR, nmi = scores.Nmi, f1 = scores.F1,
                clustering = scores.Clustering, dataset = set, loss = metadata.GetValueOrDefault("loss", "?"),
                distance = embedding.Distance.ToString().ToLowerInvariant(), test_images = test.Count, seconds = Math.Round(clock.Elapsed.TotalSeconds, 2), model = file.FullName,
            }));
            return 0;
        }));
        return command;
    }

    internal static string DataSetName(string value) => OptionChoice.Of(value, "--dataset", ("mnist", "mnist"), ("fashion", "fashion"));

    internal static MnistSplit Load(string set, string data, string split) => set == "mnist" ? MnistStore.Load(data, split) : FashionMnistStore.Load(data, split);

    /// <summary>The indices of the split's images of the given classes, in split order (at most
    /// count; 0: all); every class must have one.</summary>
    internal static int[] OfClasses(MnistSplit split, int[] classes, int count)
    {
        int[] chosen = [.. Enumerable.Range(0, split.Count).Where(i => classes.Contains(split.Labels[i]))];
        if (count > 0) chosen = chosen[..Math.Min(count, chosen.Length)];
        int[] missing = [.. classes.Where(c => !chosen.Any(i => split.Labels[i] == c))];
        if (missing.Length > 0) throw new ArgumentException($"The split has no image of class(es) {string.Join(", ", missing)}; the protocol needs every one of {string.Join(", ", classes)}.");
        return chosen;
    }
}
