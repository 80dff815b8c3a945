// otk losses train|eval: classifiers trained with losses that know a ground metric on the
// labels (Martinez's lecture, "The Wasserstein distance as a loss function in deep
// learning"), against the cross-entropy. The label space is a LabelTree: MNIST's digits as
// the chain 0-1-...-9 (ordered classes, the ground metric |i - j| of Frogner et al. 2015),
// Fashion-MNIST's classes as the leaves of data/fashion-mnist.tree, or any --tree file. The
// losses: ce; emd and emd2 (rho = 1, 2 on the chain of class numbers); hemd and hemd2 (rho =
// 1, 2 on the label tree); wasserstein (Frogner's loss on the tree metric to the power --p).
// train holds out the last 5,000 training images for the accuracy after each epoch; eval
// scores the test split: accuracy, the severity of the mistakes under the label space's
// metric, the expected cost of the predicted distribution, the top-K cost and the confusion.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OtKernels.Data;
using OtKernels.Geometry;
using OtNet;
using OtNet.Analysis;
using OtNet.Data;
using OtNet.IO;
using OtNet.Losses;
using OtNet.Training;

namespace OtKernels.Cli.Commands;

internal static class LossesCommand
{
    private const int ValidationImages = 5000, Classes = 10;

    public static Command Create() => new("losses", "Classifiers trained with EMD losses on a label chain or tree (Martinez), against the cross-entropy.") { Train(), Eval(), Plot() };

    private static readonly string[] FashionNames = ["T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"];

    private static Command Train()
    {
        var dataset = new Option<string>("--dataset") { Description = "mnist (labels on the chain of digits) or fashion (labels on a taxonomy).", DefaultValueFactory = _ => "fashion" };
        var loss = new Option<string>("--loss") { Description = "ce, emd or emd2 (rho 1, 2 on the chain of class numbers), hemd or hemd2 (rho 1, 2 on the label tree), wasserstein (Frogner et al. 2015).", DefaultValueFactory = _ => "hemd" };
        var tree = TreeOption();
        var power = new Option<double>("--p") { Description = "wasserstein: the ground metric is the tree distance to this power.", DefaultValueFactory = _ => 1 };
        var epsilon = new Option<double>("--epsilon") { Description = "wasserstein: the entropic regularisation, in the ground metric's unit.", DefaultValueFactory = _ => 0.1 };
        var ceWeight = new Option<double>("--ce-weight") { Description = "Add this weight times the cross-entropy to an EMD or Wasserstein loss (0: none; Frogner et al. 2015 trained beside a KL term).", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training images (cosine-annealed rate; the last model is kept).", DefaultValueFactory = _ => 3 };
        var batch = new Option<int>("--batch-size") { Description = "Images per Adam step.", DefaultValueFactory = _ => 64 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's initial rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights and the batch order.", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--train-count") { Description = "Use only the first N training images (0: all but the 5,000 held out).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory.", DefaultValueFactory = _ => new DirectoryInfo("runs/losses") };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("train", "Train the MNIST CNN with a loss on the label space.") { dataset, loss, tree, power, epsilon, ceWeight, epochs, batch, rate, seed, limit, output, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string set = DmlCommand.DataSetName(parse.GetValue(dataset)!), name = parse.GetValue(loss)!;
            int epochCount = parse.GetValue(epochs), trainCount = parse.GetValue(limit);
            if (epochCount < 1) throw new ArgumentException($"--epochs {epochCount}: must be at least 1.");
            if (trainCount < 0) throw new ArgumentException($"--train-count {trainCount}: must be 0 (all) or positive.");
            double p = parse.GetValue(power), eps = parse.GetValue(epsilon);
            if (!(p > 0 && double.IsFinite(p))) throw new ArgumentException($"--p {p}: must be positive and finite.");
            if (!(eps > 0 && double.IsFinite(eps))) throw new ArgumentException($"--epsilon {eps}: must be positive and finite.");
            LabelTree labels = LabelSpace(set, parse.GetValue(tree));
            ClassifierLoss criterion = OptionChoice.Of<Func<ClassifierLoss>>(name, "--loss",
                ("ce", () => new CrossEntropyLoss()),
                ("emd", () => new TreeEmdClassifierLoss(LabelTree.Chain(Classes), 1)),
                ("emd2", () => new TreeEmdClassifierLoss(LabelTree.Chain(Classes), 2)),
                ("hemd", () => new TreeEmdClassifierLoss(labels, 1)),
                ("hemd2", () => new TreeEmdClassifierLoss(labels, 2)),
                ("wasserstein", () => new WassersteinClassifierLoss(labels.PathMetric(p), eps)))();
            double mix = parse.GetValue(ceWeight);
            if (!(mix >= 0 && double.IsFinite(mix))) throw new ArgumentException($"--ce-weight {mix}: must be 0 or positive, and finite.");
            if (mix > 0 && name == "ce") throw new ArgumentException($"--ce-weight {mix}: the loss is the cross-entropy already.");
            if (mix > 0) criterion = new WithCrossEntropyLoss(criterion, mix);
            var options = ClassifierTraining.DefaultOptions with
            {
                MaxEpochs = epochCount,
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(rate),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            MnistSplit split = DmlCommand.Load(set, MnistStore.DataDirectory(parse.GetValue(dataDir)), "train");
            int available = split.Count - ValidationImages;
            LabelledImages train = MnistImages.Of(split, 0, trainCount == 0 ? available : Math.Min(trainCount, available)),
                valid = MnistImages.Of(split, available, ValidationImages);
            DirectoryInfo outDir = parse.GetValue(output)!;
            using OtKernels.IO.OutputLock claim = OtKernels.IO.OutputLock.ForDirectory(outDir.FullName, line => Console.Error.WriteLine($"losses train: {line}"));
            var run = new TrainingRun(outDir.FullName);
            Console.Error.WriteLine($"losses train: {set}, {train.Count} training and {valid.Count} validation images; loss {name}; label space: a tree of {labels.Nodes} nodes"
                + $" over {labels.Classes} classes; batch {options.BatchSize}, rate {options.LearningRate}, {epochCount} epochs");
            var metadata = new Dictionary<string, string>
            {
                ["loss"] = mix > 0 ? $"{name}+ce" : name, ["ce_weight"] = mix.ToString("R", CultureInfo.InvariantCulture), ["dataset"] = set, ["label_tree"] = labels.Format(),
                ["p"] = p.ToString("R", CultureInfo.InvariantCulture), ["epsilon"] = eps.ToString("R", CultureInfo.InvariantCulture),
            };
            var clock = Stopwatch.StartNew();
            void Plot(IReadOnlyList<EpochRecord> history) => Pictures.HistoryPlots.Write(run, history,
                new Pictures.HistoryFigure("loss.svg", $"Classifier ({name}): training loss", "mean over the batch", ["train_loss"]),
                new Pictures.HistoryFigure("accuracy.svg", $"Classifier ({name}): validation accuracy", "accuracy (%)", ["valid_accuracy"], Scale: 100));
            List<EpochRecord> history = Trainer.Train(
                new ClassifierTask(ClassifierTraining.MnistCnn(options.Seed), train, valid, 256, criterion, "valid_accuracy", metadata),
                options with { Run = run }, line => Console.Error.WriteLine($"losses train: {line}"), Plot);
            Plot(history);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                dataset = set, loss = name, epochs = history.Count, valid_accuracy = history[^1]["valid_accuracy"],
                seconds_all_epochs = Math.Round(history.Sum(h => h.Seconds), 1), seconds_this_run = Math.Round(clock.Elapsed.TotalSeconds, 1), model = run.Model,
            }));
            return 0;
        }));
        return command;
    }

    private static Command Eval()
    {
        var model = new Option<FileInfo>("--model") { Description = "A model of `otk losses train`.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion (default: the model's).", };
        var tree = TreeOption("The label tree of the scores (default: the model's label space)");
        var testCount = new Option<int>("--test-count") { Description = "Score only the first N test images (0: all 10,000).", DefaultValueFactory = _ => 0 };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("eval", "Accuracy and the cost of the mistakes under the label space's metric, as JSON.") { model, dataset, tree, testCount, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            FileInfo file = parse.GetValue(model)!;
            if (!file.Exists) throw new ArgumentException($"--model {file.FullName}: no such file; train one with `otk losses train`.");
            int limit = parse.GetValue(testCount);
            if (limit < 0) throw new ArgumentException($"--test-count {limit}: must be 0 (all) or positive.");
            Sequential network = ClassifierTraining.MnistCnn(1);
            Dictionary<string, string> metadata = SafeTensors.LoadInto(file.FullName, network);
            string set = DmlCommand.DataSetName(parse.GetValue(dataset) ?? metadata.GetValueOrDefault("dataset")
                ?? throw new ArgumentException($"--model {file.Name} does not record its data set; give --dataset."));
            LabelTree labels = parse.GetValue(tree) is { } given ? LabelSpace(set, given)
                : metadata.TryGetValue("label_tree", out string? text) ? LabelTree.Parse(text, Classes, $"{file.Name}'s label_tree") : LabelSpace(set, null);
            MnistSplit split = DmlCommand.Load(set, MnistStore.DataDirectory(parse.GetValue(dataDir)), "test");
            LabelledImages test = MnistImages.Of(split, 0, limit);
            var clock = Stopwatch.StartNew();
            ClassifierScores scores = ClassifierScores.Of(network, test, labels.PathMetric());
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                accuracy = scores.Accuracy, mistake_severity = scores.MistakeSeverity, expected_cost = scores.ExpectedCost,
                top_k_cost = scores.TopKCost.Select(v => Math.Round(v, 6)), dataset = set, loss = LossLabel(metadata, "?"),
                test_images = test.Count, confusion = Enumerable.Range(0, Classes).Select(r => scores.Confusion.Skip(r * Classes).Take(Classes)),
                seconds = Math.Round(clock.Elapsed.TotalSeconds, 2), model = file.FullName,
            }));
            return 0;
        }));
        return command;
    }

    private static Command Plot()
    {
        var models = new Option<FileInfo[]>("--model") { Description = "Models of `otk losses train`, one confusion matrix each (repeat the option; up to 6).", AllowMultipleArgumentsPerToken = true };
        var testCount = new Option<int>("--test-count") { Description = "Score only the first N test images (0: all 10,000).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory of confusion.svg, topk.svg and gradient.svg.", DefaultValueFactory = _ => new DirectoryInfo("runs/losses-plot") };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("plot", "Confusion matrices and top-K costs of models side by side, and the MSE and EMD gradients of one histogram (the lecture's figure).")
            { models, testCount, output, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            FileInfo[] files = parse.GetValue(models) ?? [];
            if (files.Length > 6) throw new ArgumentException($"--model given {files.Length} times: draw at most 6 models.");
            foreach (FileInfo file in files)
                if (!file.Exists) throw new ArgumentException($"--model {file.FullName}: no such file; train one with `otk losses train`.");
            int limit = parse.GetValue(testCount);
            if (limit < 0) throw new ArgumentException($"--test-count {limit}: must be 0 (all) or positive.");
            string directory = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(directory);
            GradientFigure(Path.Combine(directory, "gradient.svg"));
            var maps = new List<Pictures.SvgHeatmap>();
            var topK = new Pictures.SvgPlot("Top-K cost (Frogner et al. 2015, Fig. 3)", "K", "mean label distance of the top K");
            var summary = new List<object>();
            foreach (FileInfo file in files)
            {
                Sequential network = ClassifierTraining.MnistCnn(1);
                Dictionary<string, string> metadata = SafeTensors.LoadInto(file.FullName, network);
                string set = DmlCommand.DataSetName(metadata.GetValueOrDefault("dataset")
                    ?? throw new ArgumentException($"--model {file.Name} does not record its data set; it is not a model of `otk losses train`."));
                string loss = LossLabel(metadata, Path.GetFileNameWithoutExtension(file.Name));
                LabelTree labels = metadata.TryGetValue("label_tree", out string? text) ? LabelTree.Parse(text, Classes, $"{file.Name}'s label_tree") : LabelSpace(set, null);
                LabelledImages test = MnistImages.Of(DmlCommand.Load(set, MnistStore.DataDirectory(parse.GetValue(dataDir)), "test"), 0, limit);
                ClassifierScores scores = ClassifierScores.Of(network, test, labels.PathMetric());
                string[] names = set == "fashion" ? FashionNames : [.. Enumerable.Range(0, Classes).Select(c => c.ToString(CultureInfo.InvariantCulture))];
                maps.Add(new Pictures.SvgHeatmap($"{loss}: accuracy {scores.Accuracy:P1}, severity {scores.MistakeSeverity:F2}", "true class", "predicted class", names, scores.Confusion));
                topK.Line(loss, [.. Enumerable.Range(1, Classes).Select(k => (double)k)], scores.TopKCost);
                summary.Add(new { loss, dataset = set, accuracy = scores.Accuracy, mistake_severity = scores.MistakeSeverity, model = file.FullName });
            }
            if (maps.Count > 0)
            {
                Pictures.SvgPanels.SaveSideBySide(Path.Combine(directory, "confusion.svg"), [.. maps]);
                topK.Save(Path.Combine(directory, "topk.svg"));
            }
            Console.WriteLine(JsonSerializer.Serialize(new { models = summary, directory }));
            return 0;
        }));
        return command;
    }

    /// <summary>The lecture's "how does the gradient look" figure: a predicted histogram on 40
    /// ordered bins (a bump at bin 12) against its target (a bump at bin 26), and the descent
    /// directions of the MSE, -2 (p - q), and of the EMD and EMD^2 on the chain (their
    /// gradients projected onto sum-zero vectors, TreeEmdLoss): the MSE's is zero away from the
    /// two bumps, the EMD's moves every bin of p towards the target.</summary>
    internal static void GradientFigure(string path)
    {
        const int bins = 40;
        double[] Bump(double at) { double[] b = [.. Enumerable.Range(0, bins).Select(i => Math.Exp(-0.5 * Math.Pow((i - at) / 2.5, 2)))]; double sum = b.Sum(); return [.. b.Select(v => v / sum)]; }
        double[] p = Bump(12), q = Bump(26), x = [.. Enumerable.Range(0, bins).Select(i => (double)i)];
        LabelTree chain = LabelTree.Chain(bins);
        double[] emd = new double[bins], emd2 = new double[bins];
        OtKernels.Autodiff.Losses.TreeEmdLoss.Compute(chain, 1, p, q, emd);
        OtKernels.Autodiff.Losses.TreeEmdLoss.Compute(chain, 2, p, q, emd2);
        Pictures.SvgPanels.SaveSideBySide(path,
            new Pictures.SvgPlot("prediction p and target q", "bin", "mass", 420, 320).Line("p", x, p).Line("q", x, q),
            new Pictures.SvgPlot("(a) mean squared error: -grad", "bin", "descent direction", 420, 320).Line("-2 (p - q)", x, [.. p.Zip(q, (a, b) => -2 * (a - b))]),
            new Pictures.SvgPlot("(b) EMD on the chain: -grad", "bin", "descent direction", 420, 320).Line("EMD", x, [.. emd.Select(v => -v)]).Line("EMD^2", x, [.. emd2.Select(v => -v)]));
    }

    /// <summary>The loss a model trained with, as `otk losses` names it; the Wasserstein loss with its power p.</summary>
    private static string LossLabel(Dictionary<string, string> metadata, string fallback)
    {
        string loss = metadata.GetValueOrDefault("loss", fallback);
        return loss == "wasserstein" && metadata.TryGetValue("p", out string? p) ? $"wasserstein p={p}" : loss;
    }

    private static Option<FileInfo> TreeOption(string description = "The label tree (`name parent weight` per node; default: the chain of digits for mnist, data/fashion-mnist.tree for fashion)") =>
        new("--tree") { Description = description };

    /// <summary>The label space: a --tree file, else the chain of digits for MNIST and the committed taxonomy for Fashion-MNIST.</summary>
    internal static LabelTree LabelSpace(string set, FileInfo? file)
    {
        if (file is not null)
        {
            if (!file.Exists) throw new ArgumentException($"--tree {file.FullName}: no such file.");
            try
            {
                return LabelTree.Load(file.FullName, Classes);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new ArgumentException($"--tree {file.Name}: {e.Message}");
            }
        }
        if (set == "mnist") return LabelTree.Chain(Classes);
        using Stream stream = typeof(LossesCommand).Assembly.GetManifestResourceStream("fashion-mnist.tree")
            ?? throw new InvalidOperationException("The Fashion-MNIST taxonomy is missing from otk's assembly.");
        using var reader = new StreamReader(stream);
        return LabelTree.Parse(reader.ReadToEnd(), Classes, "data/fashion-mnist.tree");
    }
}
