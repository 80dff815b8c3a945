// otk embed plot: the MNIST test set as the embedding sees it (the synthesis' Figures 2
// and 3): every image is M points in the plane, drawn coloured by class; then a few images
// of one class, each in its own colour, with the images themselves beside as a PNG.
using System.CommandLine;
using System.Text.Json;
using OtKernels.Cli.Pictures;
using OtKernels.Data;
using OtNet.Data;
using OtNet.Models;

namespace OtKernels.Cli.Commands;

internal static class EmbedPlotCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A model of `otk embed train` (default: the committed one).", DefaultValueFactory = _ => new FileInfo(CommittedEmbedding.Model) };
        var perClass = new Option<int>("--per-class") { Description = "Test images drawn per class in the class picture.", DefaultValueFactory = _ => 300 };
        var digit = new Option<int>("--class") { Description = "The class of the few-images picture (0..9).", DefaultValueFactory = _ => 8 };
        var count = new Option<int>("--images") { Description = "How many images of that class (1..10), the first ones of the test set.", DefaultValueFactory = _ => 5 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory of clouds.svg, class-C.svg and class-C.png.", DefaultValueFactory = _ => new DirectoryInfo("runs/embed-plot") };
        var dataDir = DataDirectoryOption.Create();
        var command = new Command("plot", "Draw the test set's embeddings as point clouds: by class, and a few images of one class.") { model, perClass, digit, count, output, dataDir };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            FileInfo file = parse.GetValue(model)!;
            int per = parse.GetValue(perClass), c = parse.GetValue(digit), n = parse.GetValue(count);
            if (per < 1) throw new ArgumentException($"--per-class {per}: must be at least 1.");
            if (c is < 0 or > 9) throw new ArgumentException($"--class {c}: MNIST classes are 0..9.");
            if (n is < 1 or > 10) throw new ArgumentException($"--images {n}: must be in 1..10.");
            if (!file.Exists) throw new ArgumentException($"--model {file.FullName}: no such file; train one with `otk embed train`.");
            var (embedding, _) = WassersteinEmbedding.Load(file.FullName);
            if (embedding.Dimension < 2) throw new ArgumentException($"--model {file.Name}: its points are in R^{embedding.Dimension}; a picture needs R^2 or more.");
            LabelledImages test = MnistImages.Of(MnistStore.Load(MnistStore.DataDirectory(parse.GetValue(dataDir)), "test"), 0, 0);
            float[] table = embedding.Embed(test.Pixels);
            int[] labels = test.Labels.ToArray();
            string directory = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(directory);
            string shape = $"{embedding.Points} points in R^{embedding.Dimension}" + (embedding.Dimension > 2 ? " (first two coordinates)" : "");

            // The first per-class images of each class, drawn in both pictures (all 10,000
            // would make an SVG of megabytes and hide nothing more).
            int[] drawn = PointCloudPictures.FirstOfEachClass(labels, per);
            string clouds = Path.Combine(directory, "clouds.svg");
            PointCloudPictures.ByClass(table, embedding.Points, embedding.Dimension, labels, drawn, $"MNIST test images as {shape}, {per} per class").Save(clouds);

            int[] chosen = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(n).ToArray();
            string few = Path.Combine(directory, $"class-{c}.svg"), strip = Path.Combine(directory, $"class-{c}.png");
            PointCloudPictures.Highlighted(table, embedding.Points, embedding.Dimension, drawn, $"the test set ({per} per class)",
                chosen.Select(i => ($"test image {i}", i)).ToArray(), $"{n} test images of class {c}, each as {shape}").Save(few);
            var images = chosen.Select(i => test[i].Pixels.ToArray()).ToList();
            var (png, width, height) = ImageGrid.Compose(images, test.SampleShape[2], test.SampleShape[1], n, scale: 3, caption: $"test images {string.Join(" ", chosen)}");
            Png.Write(strip, png, width, height);
            Console.WriteLine(JsonSerializer.Serialize(new { clouds, class_picture = few, class_images = strip, images = chosen, model = file.FullName }));
            return 0;
        }));
        return command;
    }
}
