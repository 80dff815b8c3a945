// Pictures side by side in one SVG document: each panel is a nested <svg> placed at the
// running x offset, so plots and heat maps of one figure share a file.
using System.Globalization;
using System.Text;
using OtKernels.IO;

namespace OtKernels.Cli.Pictures;

/// <summary>A picture that can be placed beside others.</summary>
internal interface ISvgPanel
{
    /// <summary>The panel's width in px.</summary>
    int Width { get; }
    /// <summary>The panel's height in px.</summary>
    int Height { get; }
    /// <summary>The panel as a nested SVG at horizontal offset.</summary>
    string ToSvg(int offset);
}

internal static class SvgPanels
{
    /// <summary>The panels left to right in one SVG document, written to path atomically.</summary>
    public static void SaveSideBySide(string path, params ISvgPanel[] panels)
    {
        var body = new StringBuilder();
        int x = 0, height = 0;
        foreach (ISvgPanel panel in panels)
        {
            body.Append(panel.ToSvg(x));
            x += panel.Width;
            height = Math.Max(height, panel.Height);
        }
        AtomicFile.WriteAllText(path, string.Create(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{x}\" height=\"{height}\" viewBox=\"0 0 {x} {height}\">\n{body}</svg>\n"));
    }
}
