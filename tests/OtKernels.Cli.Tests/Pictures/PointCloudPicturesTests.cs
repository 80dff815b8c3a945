// The point-cloud pictures draw exactly the points of the items asked for: M dots per item,
// at their first two coordinates, one series per class or per chosen item.
using System.Globalization;
using System.Xml.Linq;
using OtKernels.Cli.Pictures;
using Xunit;

namespace OtKernels.Cli.Tests.Pictures;

public class PointCloudPicturesTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // Four items of 2 points in R^3: item i's point p is (10 i + p, -i, 7).
    private static readonly float[] Table = Enumerable.Range(0, 4).SelectMany(i => Enumerable.Range(0, 2).SelectMany(p => new float[] { 10 * i + p, -i, 7 })).ToArray();

    [Fact]
    public void Points_AreTheFirstTwoCoordinatesOfEachItemsPoints()
    {
        var (x, y) = PointCloudPictures.Points(Table, points: 2, dimension: 3, [3, 1]);
        Assert.Equal(new double[] { 30, 31, 10, 11 }, x);
        Assert.Equal(new double[] { -3, -3, -1, -1 }, y);
        Assert.Throws<ArgumentOutOfRangeException>(() => PointCloudPictures.Points(new float[4], points: 4, dimension: 1, [0]));
    }

    [Fact]
    public void ByClass_DrawsOneSeriesPerClass_WithEveryPointOfTheItems()
    {
        XDocument doc = XDocument.Parse(PointCloudPictures.ByClass(Table, 2, 3, labels: [1, 0, 1, 0], items: [0, 1, 2], "clouds").ToSvg());
        Assert.Equal(new[] { "class 0", "class 1" }, Legend(doc));
        var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").Select(g => g.Elements(Svg + "circle").Count());
        Assert.Equal(new[] { 2, 4 }, series); // class 0: item 1; class 1: items 0 and 2
    }

    [Fact]
    public void Highlighted_DrawsTheBackgroundSmallAndGrey_AndEachChosenItemLarger()
    {
        XDocument doc = XDocument.Parse(PointCloudPictures.Highlighted(Table, 2, 3, [0, 1, 2, 3], "all", [("item 2", 2)], "one").ToSvg());
        Assert.Equal(new[] { "all", "item 2" }, Legend(doc));
        var groups = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal("#d0d0d0", (string?)groups[0].Attribute("fill"));
        Assert.Equal(8, groups[0].Elements(Svg + "circle").Count());
        Assert.Equal(2, groups[1].Elements(Svg + "circle").Count());
        double Radius(XElement g) => double.Parse(g.Elements(Svg + "circle").First().Attribute("r")!.Value, CultureInfo.InvariantCulture);
        Assert.True(Radius(groups[1]) > Radius(groups[0]));
    }

    private static IEnumerable<string> Legend(XDocument doc) =>
        doc.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "legend").Select(t => t.Value);
}
