// A matrix as an SVG heat map: one square per entry, its shade the entry's share of its row
// (white 0 to dark blue 1), the count written in the square, labelled rows and columns. Drawn
// for confusion matrices (rows the true classes, columns the predicted ones), where the row
// shares are the per-class recall on the diagonal and the kinds of mistakes off it.
using System.Globalization;
using System.Security;
using System.Text;

namespace OtKernels.Cli.Pictures;

/// <summary>A square matrix of counts as an SVG heat map, shaded by row share.</summary>
internal sealed class SvgHeatmap(string title, string rowLabel, string columnLabel, IReadOnlyList<string> names, IReadOnlyList<int> counts) : ISvgPanel
{
    private const int Cell = 34, Left = 120, Top = 56, TextSize = 12, TitleSize = 16;

    /// <summary>The width of the drawing in px.</summary>
    public int Width => Math.Max(Left + Cell * names.Count + 20, (int)Math.Ceiling(0.62 * TitleSize * title.Length) + 40);

    /// <summary>The height of the drawing in px.</summary>
    public int Height => Top + Cell * names.Count + 60;

    /// <summary>The heat map as an SVG document; offset places it in a larger one.</summary>
    public string ToSvg(int offset = 0)
    {
        int k = names.Count;
        if (counts.Count != k * k) throw new ArgumentException($"{counts.Count} counts for {k} x {k} entries.", nameof(counts));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" x=\"{offset}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"{TextSize}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"{TitleSize}\">{Escape(title)}</text>\n");
        for (int r = 0; r < k; r++)
        {
            int total = 0;
            for (int c = 0; c < k; c++) total += counts[r * k + c];
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Top + Cell * r + Cell / 2 + 4}\" text-anchor=\"end\">{Escape(names[r])}</text>\n");
            for (int c = 0; c < k; c++)
            {
                int count = counts[r * k + c];
                double share = total == 0 ? 0 : count / (double)total;
                // White to #08306b (dark blue) by share; the count in white on dark squares.
                int red = (int)Math.Round(255 + share * (8 - 255)), green = (int)Math.Round(255 + share * (48 - 255)), blue = (int)Math.Round(255 + share * (107 - 255));
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"cell\" x=\"{Left + Cell * c}\" y=\"{Top + Cell * r}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"rgb({red},{green},{blue})\" stroke=\"#dddddd\"/>");
                if (count > 0)
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + Cell * c + Cell / 2}\" y=\"{Top + Cell * r + Cell / 2 + 4}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{(share > 0.5 ? "white" : "black")}\">{count}</text>");
                svg.Append('\n');
            }
        }
        for (int c = 0; c < k; c++)
            svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate({Left + Cell * c + Cell / 2 + 4} {Top + Cell * k + 8}) rotate(-60)\" text-anchor=\"end\" font-size=\"10\">{Escape(names[c])}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + Cell * k / 2}\" y=\"{Height - 4}\" text-anchor=\"middle\">{Escape(columnLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14 {Top + Cell * k / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(rowLabel)}</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
