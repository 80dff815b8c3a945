// A small SVG writer for line and scatter plots (loss curves, true against predicted W2^2):
// axes with "nice" ticks (1, 2 or 5 times a power of ten, Heckbert 1990), or a logarithmic y
// axis with ticks at the powers of ten (loss curves that fall by decades), axis labels, a
// title and a legend. Chosen over ScottPlot for the tool after drawing the same loss curves
// with both: ScottPlot's are as readable, but it would add SkiaSharp's native libraries to
// the tool package (9 MB for one platform, 155 MB for all) and draws no text on a machine
// without fonts, while SVG text is set by whatever shows it. SVG is text, so the output is
// also easy to test (it parses as XML).
using System.Globalization;
using System.Security;
using System.Text;

using OtKernels.IO;

namespace OtKernels.Cli.Pictures;

/// <summary>Line and scatter plots as SVG, with nice ticks and a legend.</summary>
internal sealed class SvgPlot(string title, string xLabel, string yLabel, int width = 640, int height = 400) : ISvgPanel
{
    // Ten colours, so that the ten MNIST classes are told apart in one scatter plot.
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
    private readonly List<(string Name, double[] X, double[] Y, bool Line, double Radius, string? Color)> _series = [];
    private bool _logarithmicY;
    private const int Left = 80, Right = 150, Top = 44, Bottom = 56;
    // Text sizes in px: large enough to read when the figure is scaled into a page.
    private const int TextSize = 14, TitleSize = 18;
    // The widest a character of a sans-serif font is on average, in ems (DejaVu Sans: 0.55
    // to 0.6; no font is measured, so the legend is sized for the wider ones).
    private const double CharacterWidth = 0.62;

    /// <summary>Adds a polyline through the points in order.</summary>
    public SvgPlot Line(string name, IReadOnlyList<double> x, IReadOnlyList<double> y) => Add(name, x, y, line: true);

    /// <summary>Adds one dot per point, of the given radius in px; the colour (an SVG colour)
    /// is the palette's next one unless given.</summary>
    public SvgPlot Scatter(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, double radius = 2, string? color = null) =>
        Add(name, x, y, line: false, radius, color);

    private SvgPlot Add(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, bool line, double radius = 0, string? color = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"Series '{name}': {x.Count} x values but {y.Count} y values.", nameof(y));
        for (int i = 0; i < x.Count; i++)
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                throw new ArgumentException($"Series '{name}': point {i} is ({x[i]}, {y[i]}); points must be finite.", nameof(x));
        if (!line && !(radius > 0)) throw new ArgumentOutOfRangeException(nameof(radius), radius, $"Series '{name}': the dots' radius must be positive.");
        _series.Add((name, x.ToArray(), y.ToArray(), line, radius, color));
        return this;
    }

    /// <summary>Puts y on a logarithmic scale; every y must then be positive.</summary>
    public SvgPlot LogarithmicY()
    {
        _logarithmicY = true;
        return this;
    }

    /// <summary>Writes the plot to path atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToSvg());

    /// <inheritdoc/>
    public int Height => height;

    /// <inheritdoc/>
    public int Width => CanvasWidth;

    // The legend column fits its longest name: the canvas widens rather than cut it off.
    private int RightMargin => Math.Max(Right, 30 + (int)Math.Ceiling(CharacterWidth * TextSize * _series.Select(s => s.Name.Length).DefaultIfEmpty(0).Max()) + 10);

    private int CanvasWidth => width + RightMargin - Right;

    /// <summary>The plot as an SVG document; offset places it in a larger one.</summary>
    public string ToSvg(int offset = 0)
    {
        double[] xs = _series.SelectMany(s => s.X).DefaultIfEmpty(0).ToArray(), ys = _series.SelectMany(s => s.Y).DefaultIfEmpty(0).ToArray();
        if (_logarithmicY)
            foreach (var (name, _, y, _, _, _) in _series)
                if (Array.FindIndex(y, v => !(v > 0)) is var bad and >= 0)
                    throw new InvalidOperationException($"Series '{name}': point {bad} has y = {y[bad]}; a logarithmic axis needs positive values.");
        double[] xTicks = NiceTicks(xs.Min(), xs.Max()), yTicks = _logarithmicY ? DecadeTicks(ys.Min(), ys.Max()) : NiceTicks(ys.Min(), ys.Max());
        double Scale(double y) => _logarithmicY ? Math.Log10(y) : y;
        double x0 = xTicks[0], x1 = xTicks[^1], y0 = Scale(yTicks[0]), y1 = Scale(yTicks[^1]);
        int plotWidth = width - Left - Right, plotHeight = height - Top - Bottom;
        int canvas = CanvasWidth;
        double Px(double x) => Left + (x - x0) / (x1 - x0) * plotWidth;
        double Py(double y) => Top + plotHeight - (Scale(y) - y0) / (y1 - y0) * plotHeight;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" x=\"{offset}\" width=\"{canvas}\" height=\"{height}\" viewBox=\"0 0 {canvas} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"{TextSize}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{canvas}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotWidth / 2}\" y=\"26\" text-anchor=\"middle\" font-size=\"{TitleSize}\">{Escape(title)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"frame\" x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"black\"/>\n");
        // Light grid lines at the ticks (and at 2..9 of each decade on a logarithmic axis), drawn
        // first so that the data lie over them.
        IEnumerable<double> minor = _logarithmicY
            ? yTicks.SkipLast(1).SelectMany(d => Enumerable.Range(2, 8).Select(f => f * d)) : [];
        foreach (double t in xTicks.Skip(1).SkipLast(1))
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{F(Px(t))}\" y1=\"{Top}\" x2=\"{F(Px(t))}\" y2=\"{Top + plotHeight}\" stroke=\"#e4e4e4\"/>\n");
        foreach (double t in yTicks.Skip(1).SkipLast(1))
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" y1=\"{F(Py(t))}\" x2=\"{Left + plotWidth}\" y2=\"{F(Py(t))}\" stroke=\"#e4e4e4\"/>\n");
        foreach (double t in minor)
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" y1=\"{F(Py(t))}\" x2=\"{Left + plotWidth}\" y2=\"{F(Py(t))}\" stroke=\"#f2f2f2\"/><line x1=\"{Left - 3}\" y1=\"{F(Py(t))}\" x2=\"{Left}\" y2=\"{F(Py(t))}\" stroke=\"black\"/>\n");
        foreach (double t in xTicks)
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(Px(t))}\" y1=\"{Top + plotHeight}\" x2=\"{F(Px(t))}\" y2=\"{Top + plotHeight + 5}\" stroke=\"black\"/><text class=\"xtick\" x=\"{F(Px(t))}\" y=\"{Top + plotHeight + 21}\" text-anchor=\"middle\">{Label(t)}</text>\n");
        foreach (double t in yTicks)
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left - 5}\" y1=\"{F(Py(t))}\" x2=\"{Left}\" y2=\"{F(Py(t))}\" stroke=\"black\"/><text class=\"ytick\" x=\"{Left - 8}\" y=\"{F(Py(t) + 5)}\" text-anchor=\"end\">{Label(t)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotWidth / 2}\" y=\"{height - 14}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(20 {Top + plotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel)}</text>\n");
        for (int k = 0; k < _series.Count; k++)
        {
            var (name, x, y, line, radius, given) = _series[k];
            string color = given is null ? Palette[k % Palette.Length] : Escape(given);
            if (line)
            {
                string points = string.Join(" ", x.Zip(y, (a, b) => $"{F(Px(a))},{F(Py(b))}"));
                svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{points}\"/>\n");
            }
            else
            {
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" fill=\"{color}\" fill-opacity=\"0.6\">");
                for (int i = 0; i < x.Length; i++) svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Px(x[i]))}\" cy=\"{F(Py(y[i]))}\" r=\"{F(radius)}\"/>");
                svg.Append("</g>\n");
            }
            int ly = Top + 12 + 22 * k, lx = Left + plotWidth + 12;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{lx}\" y=\"{ly - 10}\" width=\"14\" height=\"10\" fill=\"{color}\"/><text class=\"legend\" x=\"{lx + 20}\" y=\"{ly}\">{Escape(name)}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Ticks 1, 2 or 5 times a power of ten covering [min, max], about five of them.</summary>
    public static double[] NiceTicks(double min, double max)
    {
        if (!(max > min)) (min, max) = (min - 0.5 * Math.Max(1, Math.Abs(min)), max + 0.5 * Math.Max(1, Math.Abs(max)));
        double raw = (max - min) / 5, power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = raw / power < 1.5 ? power : raw / power < 3 ? 2 * power : raw / power < 7 ? 5 * power : 10 * power;
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        int count = (int)Math.Round((last - first) / step) + 1;
        return Enumerable.Range(0, count).Select(i => first + i * step).ToArray();
    }

    /// <summary>The powers of ten from the one at or below min to the one at or above max (at
    /// least two).</summary>
    public static double[] DecadeTicks(double min, double max)
    {
        if (!(min > 0 && max >= min)) throw new ArgumentOutOfRangeException(nameof(min), $"Decade ticks need 0 < min <= max, not [{min}, {max}].");
        int first = (int)Math.Floor(Math.Log10(min)), last = Math.Max(first + 1, (int)Math.Ceiling(Math.Log10(max)));
        return Enumerable.Range(first, last - first + 1).Select(e => Math.Pow(10, e)).ToArray();
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    private static string Label(double v) => Math.Abs(v) < 1e-12 ? "0" : v.ToString("G4", CultureInfo.InvariantCulture);
    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
