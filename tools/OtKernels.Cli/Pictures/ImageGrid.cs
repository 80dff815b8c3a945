// Pictures of histograms: images laid out in a grid, each scaled by its own maximum (the
// convention of the barycenter and interpolation figures of Courty et al. 2018, where only
// shapes matter), white on black as MNIST is drawn, with an optional caption row in a 3 x 5
// pixel font. The result is 8-bit grayscale for Png.Write.
namespace OtKernels.Cli.Pictures;

/// <summary>Histograms drawn as a captioned grid of images (PNG).</summary>
internal static class ImageGrid
{
    /// <summary>The grid of images (each width x height, nonnegative, row-major), columns per
    /// row, each pixel drawn as scale x scale, gap pixels between cells, caption (letters,
    /// digits, space and . , : = - + / ( ) %) above.</summary>
    public static (byte[] Pixels, int Width, int Height) Compose(IReadOnlyList<float[]> images, int width, int height, int columns,
        int scale = 1, string? caption = null, int gap = 2)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("No images to draw.", nameof(images));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        for (int k = 0; k < images.Count; k++)
            if (images[k].Length != width * height)
                throw new ArgumentException($"images[{k}] has length {images[k].Length} but {width} x {height} requires {width * height}.", nameof(images));
        columns = Math.Min(columns, images.Count);
        int rows = (images.Count + columns - 1) / columns;
        int cellW = width * scale, cellH = height * scale;
        int captionScale = Math.Max(1, scale / 2), captionH = caption is null ? 0 : (PixelFont.Height + 2) * captionScale + gap;
        int gridW = columns * cellW + (columns - 1) * gap;
        int canvasW = Math.Max(gridW, caption is null ? 0 : PixelFont.Width(caption) * captionScale + 2);
        int canvasH = captionH + rows * cellH + (rows - 1) * gap;
        var pixels = new byte[canvasW * canvasH];
        if (caption is not null) PixelFont.Draw(caption, pixels, canvasW, 1, captionScale, captionScale);

        for (int k = 0; k < images.Count; k++)
        {
            float[] image = images[k];
            float max = 0;
            foreach (float v in image)
            {
                if (!float.IsFinite(v) || v < 0) throw new ArgumentException($"images[{k}] holds {v}; pixels must be finite and nonnegative.", nameof(images));
                max = Math.Max(max, v);
            }
            int left = (k % columns) * (cellW + gap), top = captionH + (k / columns) * (cellH + gap);
            for (int y = 0; y < cellH; y++)
                for (int x = 0; x < cellW; x++)
                {
                    float v = image[(y / scale) * width + x / scale];
                    pixels[(top + y) * canvasW + left + x] = max > 0 ? (byte)Math.Round(255 * v / max) : (byte)0;
                }
        }
        return (pixels, canvasW, canvasH);
    }
}

/// <summary>A 3 x 5 pixel font for captions: enough to label a figure without a font file.</summary>
internal static class PixelFont
{
    public const int Height = 5;
    private const int Advance = 4; // 3 columns and one blank

    private static readonly Dictionary<char, string> Glyphs = new()
    {
        ['0'] = "###|#.#|#.#|#.#|###", ['1'] = ".#.|##.|.#.|.#.|###", ['2'] = "###|..#|###|#..|###", ['3'] = "###|..#|.##|..#|###",
        ['4'] = "#.#|#.#|###|..#|..#", ['5'] = "###|#..|###|..#|###", ['6'] = "###|#..|###|#.#|###", ['7'] = "###|..#|.#.|.#.|.#.",
        ['8'] = "###|#.#|###|#.#|###", ['9'] = "###|#.#|###|..#|###",
        ['A'] = ".#.|#.#|###|#.#|#.#", ['B'] = "##.|#.#|##.|#.#|##.", ['C'] = ".##|#..|#..|#..|.##", ['D'] = "##.|#.#|#.#|#.#|##.",
        ['E'] = "###|#..|##.|#..|###", ['F'] = "###|#..|##.|#..|#..", ['G'] = ".##|#..|#.#|#.#|.##", ['H'] = "#.#|#.#|###|#.#|#.#",
        ['I'] = "###|.#.|.#.|.#.|###", ['J'] = "..#|..#|..#|#.#|.#.", ['K'] = "#.#|#.#|##.|#.#|#.#", ['L'] = "#..|#..|#..|#..|###",
        ['M'] = "#.#|###|###|#.#|#.#", ['N'] = "##.|#.#|#.#|#.#|#.#", ['O'] = ".#.|#.#|#.#|#.#|.#.", ['P'] = "##.|#.#|##.|#..|#..",
        ['Q'] = ".#.|#.#|#.#|##.|.##", ['R'] = "##.|#.#|##.|#.#|#.#", ['S'] = ".##|#..|.#.|..#|##.", ['T'] = "###|.#.|.#.|.#.|.#.",
        ['U'] = "#.#|#.#|#.#|#.#|###", ['V'] = "#.#|#.#|#.#|#.#|.#.", ['W'] = "#.#|#.#|###|###|#.#", ['X'] = "#.#|#.#|.#.|#.#|#.#",
        ['Y'] = "#.#|#.#|.#.|.#.|.#.", ['Z'] = "###|..#|.#.|#..|###",
        [' '] = "...|...|...|...|...", ['.'] = "...|...|...|...|.#.", [','] = "...|...|...|.#.|#..", [':'] = "...|.#.|...|.#.|...",
        ['='] = "...|###|...|###|...", ['-'] = "...|...|###|...|...", ['+'] = "...|.#.|###|.#.|...", ['/'] = "..#|..#|.#.|#..|#..",
        ['('] = ".#.|#..|#..|#..|.#.", [')'] = ".#.|..#|..#|..#|.#.", ['%'] = "#.#|..#|.#.|#..|#.#",
    };

    public static int Width(string text) => text.Length * Advance;

    /// <summary>Draws text in white (255) at (left, top) of a canvas width pixels wide, each
    /// font pixel a scale x scale block; letters are drawn as capitals.</summary>
    public static void Draw(string text, byte[] canvas, int width, int left, int top, int scale)
    {
        for (int c = 0; c < text.Length; c++)
        {
            char ch = char.ToUpperInvariant(text[c]);
            if (!Glyphs.TryGetValue(ch, out string? glyph))
                throw new ArgumentException($"caption[{c}] is '{text[c]}', which the caption font does not have.", "caption");
            for (int row = 0; row < Height; row++)
                for (int col = 0; col < 3; col++)
                    if (glyph[row * 4 + col] == '#')
                        for (int dy = 0; dy < scale; dy++)
                            for (int dx = 0; dx < scale; dx++)
                                canvas[(top + row * scale + dy) * width + left + (c * Advance + col) * scale + dx] = 255;
        }
    }
}
