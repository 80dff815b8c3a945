// Embeddings drawn as what they are: each item (an image, a graph node) is M points, and the
// picture shows those points in the plane of their first two coordinates. For MNIST these
// are the synthesis' Figures 2 (the test set's clouds coloured by class: each class should
// fill M separate regions, one per point) and 3 (a few images of one class, one colour per
// image, over the whole set in grey: different images, nearly the same cloud).
namespace OtKernels.Cli.Pictures;

internal static class PointCloudPictures
{
    private const string Background = "#d0d0d0";

    /// <summary>The indices of the first per items of each class, class by class: what a
    /// picture draws of a set too large to show whole.</summary>
    public static int[] FirstOfEachClass(IReadOnlyList<int> labels, int per) =>
        [.. Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key).SelectMany(g => g.Take(per))];

    /// <summary>The first two coordinates of the points of the given items, from a table of
    /// items of points x dimension numbers each.</summary>
    public static (double[] X, double[] Y) Points(ReadOnlySpan<float> table, int points, int dimension, IEnumerable<int> items)
    {
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A picture in the plane needs points of dimension 2 or more.");
        int size = points * dimension;
        var x = new List<double>();
        var y = new List<double>();
        foreach (int item in items)
            for (int p = 0; p < points; p++)
            {
                x.Add(table[item * size + p * dimension]);
                y.Add(table[item * size + p * dimension + 1]);
            }
        return (x.ToArray(), y.ToArray());
    }

    /// <summary>Figure 2: the points of the given items, one colour per class.</summary>
    public static SvgPlot ByClass(ReadOnlySpan<float> table, int points, int dimension, IReadOnlyList<int> labels, IReadOnlyList<int> items, string title)
    {
        var plot = new SvgPlot(title, "x1", "x2", width: 720, height: 560);
        foreach (var group in items.GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int label = group.Key;
            var (x, y) = Points(table, points, dimension, group);
            plot.Scatter($"class {label}", x, y, radius: 1.5);
        }
        return plot;
    }

    /// <summary>Figure 3 (and the graph picture): the given items' clouds in colour, one
    /// colour per item and larger dots, over every item's points in grey.</summary>
    public static SvgPlot Highlighted(ReadOnlySpan<float> table, int points, int dimension, IReadOnlyList<int> background, string backgroundName,
        IReadOnlyList<(string Name, int Item)> chosen, string title)
    {
        var plot = new SvgPlot(title, "x1", "x2", width: 720, height: 560);
        var (allX, allY) = Points(table, points, dimension, background);
        plot.Scatter(backgroundName, allX, allY, radius: 1.5, color: Background);
        foreach (var (name, item) in chosen)
        {
            var (x, y) = Points(table, points, dimension, [item]);
            plot.Scatter(name, x, y, radius: 5);
        }
        return plot;
    }
}
