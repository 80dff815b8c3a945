// otk dml plot: the pictures of Dou et al. 2022's analysis for models of `otk dml train`, on
// the unseen evaluation classes: the evaluation embeddings projected to the plane, one
// panel per model side by side (classical scaling of the model's own distances: for a
// Euclidean model its PCA projection exactly, for a Wasserstein one the same construction
// from the divergences, since point clouds have no mean to take components around), and
// Recall@k for k = 1, 2, 4, ..., 32 of every model in one figure.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtNet.Analysis;
using OtNet.Data;
using OtNet.Models;

namespace OtKernels.Cli.Commands;

internal static class DmlPlotCommand
{
    private static readonly int[] Ks = [1, 2, 4, 8, 16, 32];

    public static Command Create()
    {
        var models = new Option<FileInfo[]>("--model") { Description = "Models of `otk dml train`, one panel each (repeat the option; 1 to 4).", Required = true, AllowMultipleArgumentsPerToken = true };
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion (Fashion-MNIST).", DefaultValueFactory = _ => "fashion" };
        var perClass = new Option<int>("--per-class") { Description = "Evaluation images per class in the projection.", DefaultValueFactory = _ => 200 };
        var testCount = new Option<int>("--test-count") { Description = "Rank only the first N test images of classes 5-9 for Recall@k (0: all).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory of projection.svg and recall.svg.", DefaultValueFactory = _ => new DirectoryInfo("runs/dml-plot") };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("plot", "The evaluation embeddings in the plane, models side by side, and their Recall@k curves.") { models, dataset, perClass, testCount, output, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            FileInfo[] files = parse.GetValue(models)!;
            if (files.Length is < 1 or > 4) throw new ArgumentException($"--model given {files.Length} times: draw 1 to 4 models.");
            foreach (FileInfo file in files)
                if (!file.Exists) throw new ArgumentException($"--model {file.FullName}: no such file; train one with `otk dml train`.");
            int per = parse.GetValue(perClass), limit = parse.GetValue(testCount);
            if (per < 2) throw new ArgumentException($"--per-class {per}: must be at least 2.");
            if (limit < 0) throw new ArgumentException($"--test-count {limit}: must be 0 (all) or positive.");
            string set = DmlCommand.DataSetName(parse.GetValue(dataset)!);
            MnistSplit split = DmlCommand.Load(set, MnistStore.DataDirectory(parse.GetValue(dataDir)), "test");
            LabelledImages test = MnistImages.Of(split, DmlCommand.OfClasses(split, DmlCommand.EvaluationClasses, limit));
            if (test.Count <= Ks[^1]) throw new ArgumentException($"--test-count {limit}: Recall@{Ks[^1]} needs more than {Ks[^1]} images.");
            int[] labels = test.Labels.ToArray();
            // The first per-class images of each class are projected; all are ranked.
            int[] drawn = PointCloudPictures.FirstOfEachClass(labels, per);
            string directory = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(directory);
            string name = set == "mnist" ? "MNIST" : "Fashion-MNIST";

            var panels = new List<SvgPlot>();
            var recallPlot = new SvgPlot($"{name}, unseen classes 5-9: Recall@k", "log2 k", "Recall@k (%)");
            var summary = new List<object>();
            foreach (FileInfo file in files)
            {
                var (model, metadata) = WassersteinEmbedding.Load(file.FullName);
                string loss = metadata.GetValueOrDefault("loss", Path.GetFileNameWithoutExtension(file.Name));
                Console.Error.WriteLine($"dml plot: {loss}: the {labels.Length} x {labels.Length} distance matrix under its {model.Distance.ToString().ToLowerInvariant()} distance");
                float[] matrix = model.Metric.Matrix(model.Embed(test.Pixels));
                (double[] recall, _) = RetrievalMetrics.Compute(matrix, labels, Ks);
                recallPlot.Line(loss, [.. Ks.Select(k => Math.Log2(k))], [.. recall.Select(r => 100 * r)]);

                int n = drawn.Length;
                var sub = new float[n * n];
                // An unconverged divergence can read a hair below zero; a distance cannot.
                for (int a = 0; a < n; a++)
                    for (int b = 0; b < n; b++) sub[a * n + b] = Math.Max(0, matrix[(long)drawn[a] * labels.Length + drawn[b]]);
                ClassicalScaling plane = ClassicalScaling.Of(sub, n, 2);
                var panel = new SvgPlot($"{loss} ({model.Distance.ToString().ToLowerInvariant()})", "axis 1", "axis 2", width: 560, height: 480);
                foreach (var group in Enumerable.Range(0, n).GroupBy(a => labels[drawn[a]]).OrderBy(g => g.Key))
                    panel.Scatter(set == "fashion" ? $"{group.Key} {FashionMnistStore.ClassNames[group.Key]}" : $"digit {group.Key}", [.. group.Select(a => plane.Coordinates[a * 2])], [.. group.Select(a => plane.Coordinates[a * 2 + 1])], radius: 1.5);
                panels.Add(panel);
                summary.Add(new { model = file.FullName, loss, distance = model.Distance.ToString().ToLowerInvariant(), recall_at_k = Ks.Zip(recall).ToDictionary(p => p.First.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Second), eigenvalues = plane.Eigenvalues });
            }
            string projection = Path.Combine(directory, "projection.svg"), curves = Path.Combine(directory, "recall.svg");
            SvgPanels.SaveSideBySide(projection, [.. panels]);
            recallPlot.Save(curves);
            Console.WriteLine(JsonSerializer.Serialize(new { dataset = set, projection, recall = curves, projected_per_class = per, ranked_images = labels.Length, models = summary }));
            return 0;
        }));
        return command;
    }
}
