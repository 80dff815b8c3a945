// Images become histograms by dividing by their pixel sum (DESIGN.md, numerics).
namespace OtKernels.Geometry;

/// <summary>Images as histograms: pixels normalised to unit mass.</summary>
public static class ImageHistogram
{
    /// <summary>Writes pixels / sum(pixels) into <paramref name="histogram"/>.</summary>
    /// <exception cref="ArgumentException">An all-black image (zero sum) or a length mismatch.</exception>
    public static void FromPixels(ReadOnlySpan<byte> pixels, Span<double> histogram)
    {
        ThrowHelper.ThrowIfLengthMismatch(histogram.Length, pixels.Length, nameof(histogram), "pixels");
        long sum = 0;
        foreach (byte p in pixels) sum += p;
        if (sum == 0) throw new ArgumentException("The image is all zero; it has no mass to transport.", nameof(pixels));
        double inverse = 1.0 / sum;
        for (int k = 0; k < pixels.Length; k++) histogram[k] = pixels[k] * inverse;
    }
}
