// otk dwe eval: how well a trained embedding's squared distances match exact W2^2 on
// held-out pairs (a CSV i,j,w2sq as `otk w2 mnist` and `otk dwe pairs` write): the mean
// squared error, the relative MSE sum (pred - true)^2 / sum true^2, Pearson's correlation,
// and a scatter plot of true against predicted W2^2 (SVG). Courty et al. 2018 report MSE
// 0.40, relative MSE 0.002 and correlation 0.996 on MNIST test pairs.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtKernels.IO;
using OtNet.Data;
using OtNet.Models;
using OtNet.Training;

namespace OtKernels.Cli.Commands;

internal static class DweEvalCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A model of `otk dwe train`.", DefaultValueFactory = _ => new FileInfo(CommittedDwe.Model) };
        var pairs = new Option<FileInfo>("--pairs")
        {
            Description = "CSV with columns i,j,w2sq (default: the first 10,000 test pairs of the committed model's run).",
            DefaultValueFactory = _ => new FileInfo(CommittedDwe.TestPairs)
        };
        var split = new Option<string>("--split") { Description = "The MNIST split the indices refer to: train or test.", DefaultValueFactory = _ => "train" };
        var scatter = new Option<FileInfo?>("--scatter") { Description = "SVG of true against predicted W2^2 (default: PAIRS-NAME.scatter.svg in the current directory)." };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("eval", "Embedding distances against exact W2^2 on held-out pairs.") { model, pairs, split, scatter, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            FileInfo modelFile = parse.GetValue(model)!, pairsFile = parse.GetValue(pairs)!;
            if (!modelFile.Exists) throw new ArgumentException($"--model {modelFile.FullName}: no such file.");
            if (!pairsFile.Exists) throw new ArgumentException($"--pairs {pairsFile.FullName}: no such file.");
            var (dwe, _) = DeepWassersteinEmbedding.Load(modelFile.FullName);
            MnistSplit images = MnistStore.Load(MnistStore.DataDirectory(parse.GetValue(dataDir)), parse.GetValue(split)!);
            if (images.Height != dwe.Height || images.Width != dwe.Width)
                throw new ArgumentException($"--model is for {dwe.Height} x {dwe.Width} images, the data are {images.Height} x {images.Width}.");
            W2Pairs held = W2Pairs.Read(pairsFile.FullName, images.Count);
            double[] predicted = DweTraining.PredictedDistances(dwe, images.Float32Histograms(), held);
            DistanceFit fit = DistanceFit.Of(held.Distances, predicted);
            string plot = parse.GetValue(scatter)?.FullName ?? Path.GetFullPath(Path.GetFileNameWithoutExtension(pairsFile.Name) + ".scatter.svg");
            double top = Math.Max(held.Distances.Max(), predicted.Max());
            new SvgPlot($"DWE on {held.Count} pairs: MSE {fit.Mse:G3}, correlation {fit.Correlation:F4}", "exact W2^2 (px^2)", "embedding |phi(x1) - phi(x2)|^2")
                .Scatter("pairs", held.Distances, predicted).Line("y = x", [0, top], [0, top]).Save(plot);
            Console.WriteLine(JsonSerializer.Serialize(new { pairs = held.Count, mse = fit.Mse, relative_mse = fit.RelativeMse, correlation = fit.Correlation, scatter = plot }));
            return 0;
        }));
        return command;
    }
}
