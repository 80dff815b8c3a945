// The MNIST pairs of a comparison: histograms (pixels / sum) of both images of every pair
// in PAIRS (a CSV with a header i,j), laid out [pairs, pixels] as the batched solvers take them.
using OtKernels.Data;
using OtKernels.Geometry;
using OtKernels.IO;

namespace OtKernels.Bench;

internal sealed record MnistInputs(double[] A, double[] B, int Pairs, int Height, int Width)
{
    public static MnistInputs Load(string imagesPath, string pairsPath)
    {
        IdxArray images = IdxArray.Read(imagesPath);
        int pixels = images.Shape[1] * images.Shape[2];
        (_, double[] data, int rows, int cols) = Csv.Read(pairsPath);
        var a = new double[rows * pixels];
        var b = new double[rows * pixels];
        for (int k = 0; k < rows; k++)
        {
            ImageHistogram.FromPixels(images.Data.AsSpan((int)data[k * cols] * pixels, pixels), a.AsSpan(k * pixels, pixels));
            ImageHistogram.FromPixels(images.Data.AsSpan((int)data[k * cols + 1] * pixels, pixels), b.AsSpan(k * pixels, pixels));
        }
        return new MnistInputs(a, b, rows, images.Shape[1], images.Shape[2]);
    }
}
