// otk embed: entropic Wasserstein embeddings of MNIST (Frogner, Mirzazadeh and Solomon 2019,
// as the synthesis trains them): a CNN maps each image to M points in R^k, compared by L
// Sinkhorn iterations differentiated through, trained by contrastive pairs.
//   otk embed train  the one training loop over (anchor, partner) pairs, the last 5,000
//                    training images held out for validation (loss, mean distances, kNN
//                    accuracy, the monitored metric); writes the run directory and curves;
//   otk embed eval   kNN classification of the test set from the training set's embeddings
//                    (Euclidean on the flattened M k vectors, as the synthesis; optionally
//                    the nearest candidates re-ranked by the model's own distance), as JSON;
//   otk embed plot   the test set's point clouds by class, and a few images of one class
//                    (the synthesis' Figures 2 and 3; EmbedPlotCommand);
//   otk embed graph  the nodes of a generated graph, fitted to shortest-path distances (the
//                    paper's section 5.1): average distortion and mean average precision.
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using OtKernels.Autodiff.Entropic;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtKernels.Geometry;
using OtNet.Analysis;
using OtNet.Data;
using OtNet.Losses;
using OtNet.Models;
using OtNet.Training;

namespace OtKernels.Cli.Commands;

internal static class EmbedCommand
{
    /// <summary>Training images held out for validation (the last of the split).</summary>
    private const int ValidationImages = 5000;

    public static Command Create() => new("embed", "Entropic Wasserstein embeddings (Frogner et al. 2019): MNIST images, graph nodes.") { Train(), Eval(), EmbedPlotCommand.Create(), GraphCommand() };

    private static Command Train()
    {
        var embedding = new EmbeddingOptions("image", points: 3, metric: "sqeuclidean");
        var margin = new Option<double>("--margin") { Description = "The contrastive margin m.", DefaultValueFactory = _ => 1 };
        var form = new Option<string>("--form") { Description = "squared (r d^2 + (1 - r) max(0, m - d)^2) or plain.", DefaultValueFactory = _ => "squared" };
        var hard = new Option<bool>("--hard-negatives") { Description = "Pair each anchor with the nearest image of another class in its batch, not a drawn one." };
        var shift = new Option<int>("--shift") { Description = "Move training images by up to this many pixels (augmentation; 0: none).", DefaultValueFactory = _ => 2 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs (cosine-annealed rate; the best validation kNN model is kept).", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch-size") { Description = "Pairs per Adam step.", DefaultValueFactory = _ => 64 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's initial rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, batches and partners.", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--train-count") { Description = "Use only the first N training images (0: all but the validation ones).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory.", DefaultValueFactory = _ => new DirectoryInfo("runs/embed") };
        var dataDir = DataDirectoryOption.Create();
        Option<string> accelerator = AcceleratorOption.Create("Where the Sinkhorn distances and their reverse pass run (a device needs --reading value or divergence)");
        accelerator.DefaultValueFactory = _ => "cpu";
        var command = new Command("train", "Train a Wasserstein (or Euclidean) embedding of MNIST by contrastive pairs.")
            { margin, form, hard, shift, epochs, batch, rate, seed, limit, accelerator, output, dataDir };
        embedding.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int epochCount = parse.GetValue(epochs), trainCount = parse.GetValue(limit);
            var (m, k, kind, sinkhorn) = embedding.Read(parse);
            if (epochCount < 1) throw new ArgumentException($"--epochs {epochCount}: must be at least 1.");
            if (trainCount < 0) throw new ArgumentException($"--train-count {trainCount}: must be 0 (all) or positive.");
            var contrastive = new ContrastiveOptions
            {
                Margin = parse.GetValue(margin), Seed = parse.GetValue(seed), Shift = parse.GetValue(shift), HardNegatives = parse.GetValue(hard),
                Form = OptionChoice.Of(parse.GetValue(form)!, "--form", ("squared", ContrastiveForm.Squared), ("plain", ContrastiveForm.Plain)),
            };
            var options = new TrainingOptions
            {
                MaxEpochs = epochCount, BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(rate), Seed = parse.GetValue(seed),
                Schedule = LearningRateScheduleKind.Cosine, Keep = ModelSelection.Best,
            };
            var model = new WassersteinEmbedding(m, k, kind, sinkhorn, parse.GetValue(seed));
            using OtKernels.Accelerators.Accelerator? chosen = AcceleratorOption.ForEmbedding(parse.GetValue(accelerator)!, model.Metric, "embed train");
            return RunTraining(model, contrastive, options, trainCount, parse.GetValue(output)!, MnistStore.DataDirectory(parse.GetValue(dataDir)));
        }));
        return command;
    }

    private static int RunTraining(WassersteinEmbedding model, ContrastiveOptions contrastive, TrainingOptions options, int trainCount, DirectoryInfo output, string dataDirectory)
    {
        options.Validate();
        contrastive.Validate();
        MnistSplit split = MnistStore.Load(dataDirectory, "train");
        int available = split.Count - ValidationImages;
        LabelledImages train = MnistImages.Of(split, 0, trainCount == 0 ? available : Math.Min(trainCount, available));
        LabelledImages valid = MnistImages.Of(split, available, ValidationImages);
        using OtKernels.IO.OutputLock claim = OtKernels.IO.OutputLock.ForDirectory(output.FullName, line => Console.Error.WriteLine($"embed train: {line}"));
        var run = new TrainingRun(output.FullName);
        Console.Error.WriteLine($"embed train: {train.Count} training and {valid.Count} validation images; {model.Points} points in R^{model.Dimension}, "
                                + $"{model.Distance.ToString().ToLowerInvariant()} distance" + (model.Distance == EmbeddingDistance.Wasserstein
                                    ? $" ({model.Sinkhorn.Kind}, eps {model.Sinkhorn.Epsilon}, L {model.Sinkhorn.Iterations}, {model.Sinkhorn.Metric}, {model.Sinkhorn.Gradient} gradient)" : "")
                                + $"; margin {contrastive.Margin}, {contrastive.Form}" + (contrastive.HardNegatives ? ", hard negatives" : "") + $"; batch {options.BatchSize}, rate {options.LearningRate}, {options.MaxEpochs} epochs");
        var clock = Stopwatch.StartNew();
        // The curves are redrawn after every epoch, so a killed run keeps them (the synthesis' Fig. 1).
        void Plot(IReadOnlyList<EpochRecord> history) => HistoryPlots.Write(run, history,
            new HistoryFigure("loss.svg", "Embedding: contrastive loss", "mean over pairs", ["train_loss", "valid_loss"], Logarithmic: true),
            new HistoryFigure("distances.svg", "Embedding: mean distance of pairs", "distance",
                ["train_positive_distance", "train_negative_distance", "valid_positive_distance", "valid_negative_distance"]),
            new HistoryFigure("accuracy.svg", "Embedding: validation kNN accuracy", "accuracy (%)", ["valid_knn_accuracy"], Scale: 100));
        List<EpochRecord> history = Trainer.Train(new EmbeddingTask(model, train, valid, contrastive), options with { Run = run },
            line => Console.Error.WriteLine($"embed train: {line}"), Plot);
        Plot(history);
        EpochRecord best = history.MaxBy(h => h["valid_knn_accuracy"])!;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            epochs = history.Count,
            best_epoch = best.Epoch,
            best_valid_knn_accuracy = best["valid_knn_accuracy"],
            seconds_this_run = Math.Round(clock.Elapsed.TotalSeconds, 1),
            seconds_all_epochs = Math.Round(history.Sum(h => h.Seconds), 1),
            model = run.Model,
        }));
        return 0;
    }

    private static Command Eval()
    {
        var model = new Option<FileInfo>("--model") { Description = "A model of `otk embed train` (default: the committed one).", DefaultValueFactory = _ => new FileInfo(CommittedEmbedding.Model) };
        var neighbours = new Option<int>("--neighbours") { Description = "k of the kNN vote.", DefaultValueFactory = _ => 5 };
        var rerank = new Option<int>("--rerank")
        {
            Description = "Re-rank each test image's N nearest training images (Euclidean) by the model's own distance before the vote (0: off).",
            DefaultValueFactory = _ => 0,
        };
        var knnDistance = new Option<string>("--knn-distance")
        {
            Description = "euclidean (on the flattened M k vectors, as the synthesis) or model (the model's own distance, every test image against every training image: minutes).",
            DefaultValueFactory = _ => "euclidean",
        };
        var testCount = new Option<int>("--test-count") { Description = "Classify only the first N test images (0: all 10,000).", DefaultValueFactory = _ => 0 };
        var dataDir = DataDirectoryOption.Create();
        Option<FileInfo?> embeddings = EmbeddingsFile.Create();
        var command = new Command("eval", "kNN accuracy on the MNIST test set from the training set's embeddings, as JSON.") { model, neighbours, rerank, knnDistance, testCount, embeddings, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            FileInfo file = parse.GetValue(model)!;
            if (!file.Exists) throw new ArgumentException($"--model {file.FullName}: no such file; train one with `otk embed train`.");
            int k = parse.GetValue(neighbours), candidates = parse.GetValue(rerank), limit = parse.GetValue(testCount);
            if (k < 1) throw new ArgumentException($"--neighbours {k}: must be at least 1.");
            if (candidates != 0 && candidates < k) throw new ArgumentException($"--rerank {candidates}: 0, or at least --neighbours ({k}).");
            if (limit < 0) throw new ArgumentException($"--test-count {limit}: must be 0 (all) or positive.");
            bool byModel = OptionChoice.Of(parse.GetValue(knnDistance)!, "--knn-distance", ("euclidean", false), ("model", true));
            if (byModel && candidates != 0) throw new ArgumentException($"--rerank {candidates}: re-ranking is for --knn-distance euclidean; model compares every pair already.");
            EmbeddingsFile.CheckTargets(parse.GetValue(embeddings));
            var (embedding, _) = WassersteinEmbedding.Load(file.FullName);
            string data = MnistStore.DataDirectory(parse.GetValue(dataDir));
            LabelledImages train = MnistImages.Of(MnistStore.Load(data, "train"), 0, 0), test = MnistImages.Of(MnistStore.Load(data, "test"), 0, limit);
            var clock = Stopwatch.StartNew();
            float[] reference = embedding.Embed(train.Pixels), queries = embedding.Embed(test.Pixels);
            double embedSeconds = clock.Elapsed.TotalSeconds;
            EmbeddingsFile.Write(parse.GetValue(embeddings), queries, embedding.Points, embedding.Dimension, test.Labels);
            clock.Restart();
            int[] trainLabels = train.Labels.ToArray();
            int[] predicted = byModel
                ? NearestNeighbours.NearestBy(reference, queries, embedding.EmbeddingSize, k, (u, v, d) => embedding.Distances(u, v, d), blockQueries: 16,
                        (done, total) => { if (done % 160 == 0 || done == total) Console.Error.WriteLine($"embed eval: {done}/{total} test images, {clock.Elapsed.TotalSeconds:F0} s"); })
                    .Select(near => NearestNeighbours.Vote(near.Select(r => trainLabels[r]).ToArray())).ToArray()
                : candidates == 0
                    ? NearestNeighbours.Classify(reference, train.Labels, queries, embedding.EmbeddingSize, k)
                    : Reranked(embedding, reference, trainLabels, queries, k, candidates);
            double accuracy = predicted.Select((p, i) => p == test.Labels[i] ? 1.0 : 0).Average();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                knn_accuracy = accuracy,
                k,
                distance = byModel ? $"{embedding.Distance.ToString().ToLowerInvariant()} (all pairs)"
                    : candidates == 0 ? "euclidean" : $"{embedding.Distance.ToString().ToLowerInvariant()} (top {candidates} euclidean re-ranked)",
                test_images = test.Count,
                points = embedding.Points,
                dimension = embedding.Dimension,
                embed_seconds = Math.Round(embedSeconds, 2),
                knn_seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
                model = file.FullName,
            }));
            return 0;
        }));
        return command;
    }

    private static Command GraphCommand()
    {
        var kind = new Option<string>("--kind") { Description = "tree (random recursive), ba (Barabasi-Albert, m 2), ws (Watts-Strogatz, k 4, p 0.1) or sbm (4 blocks).", DefaultValueFactory = _ => "ba" };
        var nodes = new Option<int>("--nodes") { Description = "Nodes (the largest component is embedded).", DefaultValueFactory = _ => 512 };
        var file = new Option<FileInfo?>("--graph") { Description = "An edge-list file (two node names per line) to embed instead of a generated graph; its largest component is embedded." };
        var graphSeed = new Option<int>("--graph-seed") { Description = "Seed of the graph.", DefaultValueFactory = _ => 1 };
        var shape = new EmbeddingOptions("node", points: 4, metric: "euclidean");
        var epochs = new Option<int>("--epochs") { Description = "Epochs over all node pairs.", DefaultValueFactory = _ => 40 };
        var batch = new Option<int>("--batch-size") { Description = "Pairs per Adam step.", DefaultValueFactory = _ => 256 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's initial rate (cosine-annealed).", DefaultValueFactory = _ => 0.02 };
        var seed = new Option<int>("--seed") { Description = "Seed of the embedding and the batches.", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory (run files and embedding.svg).", DefaultValueFactory = _ => new DirectoryInfo("runs/embed-graph") };
        var command = new Command("graph", "Embed the nodes of a generated graph so that distances fit shortest paths.")
            { kind, nodes, graphSeed, file, epochs, batch, rate, seed, output };
        shape.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int n = parse.GetValue(nodes), g = parse.GetValue(graphSeed);
            if (n is < 4 or > 4096) throw new ArgumentException($"--nodes {n}: must be in 4..4096.");
            var (m, k, distance, sinkhorn) = shape.Read(parse);
            string name = parse.GetValue(kind)!;
            Graph generated;
            if (parse.GetValue(file) is { } edges)
            {
                if (!edges.Exists) throw new ArgumentException($"--graph {edges.FullName}: no such file.");
                EdgeList read;
                try { read = EdgeListFile.Read(edges.FullName); }
                catch (InvalidDataException e) { throw new ArgumentException($"--graph {e.Message}", e); }
                (generated, name, n) = (read.Graph, edges.Name, read.Graph.Nodes);
                if (read.Repeats > 0) Console.Error.WriteLine($"embed graph: {read.Repeats} line(s) of {edges.Name} repeat an edge already read; each edge counts once.");
            }
            else generated = name switch
            {
                "tree" => Graph.RandomTree(n, g),
                "ba" => Graph.BarabasiAlbert(n, 2, g),
                "ws" => Graph.WattsStrogatz(n, 4, 0.1, g),
                "sbm" => Graph.StochasticBlock(n, 4, 16.0 / n, 1.0 / n, g),
                _ => throw new ArgumentException($"--kind {name}: use tree, ba, ws or sbm."),
            };
            Graph graph = generated.LargestComponent();
            if (graph.Nodes is < 3 or > 4096)
                throw new ArgumentException($"--graph {name}: its largest component has {graph.Nodes} nodes; 3 to 4,096 can be embedded (all-pairs distances are kept).");
            var embedding = new EmbeddingMetric(m, k, distance, sinkhorn);
            var options = new TrainingOptions
            {
                MaxEpochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(rate), Seed = parse.GetValue(seed),
                Schedule = LearningRateScheduleKind.Cosine, Keep = ModelSelection.Best,
            };
            options.Validate();
            if (options.BatchSize > graph.Nodes * (graph.Nodes - 1) / 2) throw new ArgumentException($"--batch-size {options.BatchSize}: the graph has {graph.Nodes * (graph.Nodes - 1) / 2} node pairs.");
            using OtKernels.IO.OutputLock claim = OtKernels.IO.OutputLock.ForDirectory(parse.GetValue(output)!.FullName, line => Console.Error.WriteLine($"embed graph: {line}"));
            var run = new TrainingRun(parse.GetValue(output)!.FullName);
            var task = new GraphEmbeddingTask(graph.Nodes, graph.ShortestPaths(), embedding, parse.GetValue(seed));
            Console.Error.WriteLine($"embed graph: {name}, {graph.Nodes} nodes and {graph.Edges} edges (largest component of {n}), "
                                    + $"{m} x {k} = {embedding.EmbeddingSize} numbers per node, {embedding.Distance.ToString().ToLowerInvariant()} distance");
            var clock = Stopwatch.StartNew();
            List<EpochRecord> history = Trainer.Train(task, options with { Run = run }, line => Console.Error.WriteLine($"embed graph: {line}"));
            EpochRecord best = history.MinBy(h => h["distortion"])!;
            HistoryPlots.Write(run, history, new HistoryFigure("distortion.svg", $"{name} graph: average distortion", "distortion", ["distortion"], Logarithmic: true));
            if (k >= 2) WritePicture(task, embedding, Path.Combine(run.Directory, "embedding.svg"), $"{name} graph, {graph.Nodes} nodes: {m} points in R^{k} per node");
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                kind = name, nodes = graph.Nodes, edges = graph.Edges, points = m, dimension = k, numbers_per_node = embedding.EmbeddingSize,
                distance = embedding.Distance.ToString().ToLowerInvariant(), distortion = best["distortion"], mean_average_precision = best["mean_average_precision"],
                best_epoch = best.Epoch, seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            }));
            return 0;
        }));
        return command;
    }

    /// <summary>The last epoch's node embeddings as points in the plane (their first two
    /// coordinates), a few nodes picked out by colour.</summary>
    private static void WritePicture(GraphEmbeddingTask task, EmbeddingMetric embedding, string path, string title)
    {
        int count = task.Embeddings.Length / embedding.EmbeddingSize;
        PointCloudPictures.Highlighted(task.Embeddings, embedding.Points, embedding.Dimension, Enumerable.Range(0, count).ToArray(), "all nodes",
            [("node 0", 0), ($"node {count / 2}", count / 2)], title).Save(path);
    }

    /// <summary>kNN where each query's candidates (its nearest references in Euclidean
    /// distance) are ranked by the model's own distance, computed in one batch.</summary>
    private static int[] Reranked(WassersteinEmbedding embedding, float[] reference, int[] labels, float[] queries, int k, int candidates)
    {
        int e = embedding.EmbeddingSize, count = queries.Length / e;
        int[][] nearest = NearestNeighbours.Nearest(reference, queries, e, candidates);
        var u = new float[count * candidates * e];
        var v = new float[count * candidates * e];
        for (int q = 0; q < count; q++)
            for (int c = 0; c < candidates; c++)
            {
                queries.AsSpan(q * e, e).CopyTo(u.AsSpan((q * candidates + c) * e));
                reference.AsSpan(nearest[q][c] * e, e).CopyTo(v.AsSpan((q * candidates + c) * e));
            }
        var distances = new double[count * candidates];
        embedding.Distances(u, v, distances);
        var predicted = new int[count];
        for (int q = 0; q < count; q++)
        {
            int[] order = Enumerable.Range(0, candidates).OrderBy(c => distances[q * candidates + c]).ThenBy(c => c).Take(k).ToArray();
            predicted[q] = NearestNeighbours.Vote(order.Select(c => labels[nearest[q][c]]).ToArray());
        }
        return predicted;
    }
}
