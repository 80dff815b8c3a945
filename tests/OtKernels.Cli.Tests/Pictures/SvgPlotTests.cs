using System.Globalization;
using System.Xml.Linq;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Cli.Pictures;
using Xunit;

namespace OtKernels.Cli.Tests.Pictures;

public class SvgPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void APlot_ParsesAsSvg_WithItsSeriesLegendAndTicks_AndEveryPointInsideTheFrame()
    {
        string text = new SvgPlot("loss & accuracy", "epoch", "value")
            .Line("train <loss>", [0, 1, 2, 3], [2.3, 0.5, 0.2, 0.1])
            .Scatter("test", [0.5, 2.5], [1.0, 0.15])
            .ToSvg();
        XDocument doc = XDocument.Parse(text);
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        Assert.Single(doc.Descendants(Svg + "polyline"));
        Assert.Equal(2, doc.Descendants(Svg + "circle").Count());
        Assert.Equal(new[] { "train <loss>", "test" }, doc.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "legend").Select(t => t.Value));
        Assert.Contains("loss & accuracy", doc.Descendants(Svg + "text").Select(t => t.Value));
        XElement frame = doc.Descendants(Svg + "rect").Single(r => (string?)r.Attribute("class") == "frame");
        double fx = D(frame, "x"), fy = D(frame, "y"), fw = D(frame, "width"), fh = D(frame, "height");
        IEnumerable<(double, double)> points = doc.Descendants(Svg + "polyline").Single().Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .Concat(doc.Descendants(Svg + "circle").Select(c => (D(c, "cx"), D(c, "cy"))));
        Assert.All(points, p => Assert.True(p.Item1 >= fx && p.Item1 <= fx + fw && p.Item2 >= fy && p.Item2 <= fy + fh, $"{p} outside the frame"));
        Assert.Contains("0", doc.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "xtick").Select(t => t.Value));
    }

    [Fact]
    public void AScatter_TakesItsRadiusAndColour_AndRefusesANonPositiveRadius()
    {
        XDocument doc = XDocument.Parse(new SvgPlot("t", "x", "y").Scatter("a", [0, 1], [0, 1], radius: 4.5, color: "#123456").Scatter("b", [2], [2]).ToSvg());
        var groups = doc.Descendants(Svg + "g").ToList();
        Assert.Equal("#123456", (string?)groups[0].Attribute("fill"));
        Assert.All(groups[0].Elements(Svg + "circle"), c => Assert.Equal(4.5, D(c, "r")));
        Assert.Equal(2, D(groups[1].Elements(Svg + "circle").Single(), "r"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgPlot("t", "x", "y").Scatter("c", [0], [0], radius: 0));
    }

    private static double D(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, CultureInfo.InvariantCulture);

    [Fact]
    public void NiceTicks_CoverTheRange_WithOneTwoOrFiveStepsAndAFewTicks()
    {
        Prop.ForAll((from a in Gen.Choose(-100000, 100000) from b in Gen.Choose(-100000, 100000) from scale in Gen.Choose(-6, 6) select (a, b, scale)).ToArbitrary(), t =>
        {
            double min = Math.Min(t.a, t.b) * Math.Pow(10, t.scale), max = Math.Max(t.a, t.b) * Math.Pow(10, t.scale);
            double[] ticks = SvgPlot.NiceTicks(min, max);
            Assert.True(ticks[0] <= min + 1e-9 * Math.Abs(min) && ticks[^1] >= max - 1e-9 * Math.Abs(max), $"{t}: [{ticks[0]}, {ticks[^1]}] misses [{min}, {max}]");
            Assert.InRange(ticks.Length, 2, 13);
            double step = ticks[1] - ticks[0], mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
            Assert.Contains(Math.Round(mantissa, 6), new[] { 1.0, 2.0, 5.0, 10.0 });
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void ALogarithmicAxis_PlacesDecadesEvenly_AndRefusesANonPositiveValue()
    {
        // 0.3 to 164: decades 0.1 to 1000, evenly spaced; 1, 10 and 100 fall on their ticks.
        XDocument doc = XDocument.Parse(new SvgPlot("loss", "epoch", "loss").LogarithmicY().Line("train", [1, 2, 3], [164, 10, 0.3]).ToSvg());
        var ticks = doc.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "ytick").Select(t => (t.Value, Y: D(t, "y") - 5)).ToList();
        Assert.Equal(new[] { "0.1", "1", "10", "100", "1000" }, ticks.Select(t => t.Value));
        double gap = ticks[0].Y - ticks[1].Y;
        Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(gap, p.First.Y - p.Second.Y, 0.02));
        double[] ys = doc.Descendants(Svg + "polyline").Single().Attribute("points")!.Value.Split(' ').Select(p => double.Parse(p.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(ticks[2].Y, ys[1], 0.02);                               // 10 on the tick of 10
        Assert.Equal(ticks[1].Y - gap * Math.Log10(164), ys[0], 0.02);       // 164 at log10(164) decades above 1

        var e = Assert.Throws<InvalidOperationException>(() => new SvgPlot("t", "x", "y").LogarithmicY().Line("loss", [0, 1], [1, 0]).ToSvg());
        Assert.Contains("'loss': point 1", e.Message);
        Assert.Equal(new[] { 1.0, 10.0 }, SvgPlot.DecadeTicks(2, 3));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("validation distance MSE of the held-out pairs")]
    public void TheCanvas_HoldsTheLongestLegendName(string name)
    {
        // Today's complaint was a legend cut off at the right edge: the canvas must reach past
        // the name at 0.62 em per character (wider than DejaVu Sans' average).
        XDocument doc = XDocument.Parse(new SvgPlot("t", "x", "y").Line("a", [0, 1], [0, 1]).Line(name, [0, 1], [1, 0]).ToSvg());
        XElement legend = doc.Descendants(Svg + "text").Last(t => (string?)t.Attribute("class") == "legend");
        Assert.Equal(name, legend.Value);
        double fontSize = D(doc.Root!, "font-size");
        Assert.True(D(doc.Root!, "width") >= D(legend, "x") + 0.62 * fontSize * name.Length, $"{D(doc.Root!, "width")} px wide, legend at {D(legend, "x")}");
        Assert.True(fontSize >= 13, $"text of {fontSize} px");
    }

    [Fact]
    public void ANonFinitePoint_IsRejected_NamingSeriesAndIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => new SvgPlot("t", "x", "y").Line("loss", [0, 1], [1, double.NaN]));
        Assert.Contains("'loss': point 1", e.Message);
    }
}
