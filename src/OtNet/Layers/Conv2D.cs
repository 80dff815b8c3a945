// 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d), stride 1, 'valid' or 'same'
// zero padding, by im2col: each image's k x k patches become the columns of a
// (C_in k k) x (H_out W_out) matrix, and the layer is one product W col with W stored
// [C_out, C_in, k, k] (PyTorch's layout). Backward: dW += dY col^T, dcol = W^T dY folded
// back by col2im, db += sums of dY. Images run in parallel; each image's weight gradient
// goes to its own slot and the slots are summed in image order, so results do not depend on
// the thread count.
using OtNet.LinearAlgebra;

namespace OtNet.Layers;

public enum Padding
{
    /// <summary>No padding: the output is (H - k + 1) x (W - k + 1).</summary>
    Valid,
    /// <summary>k / 2 zeros on every side (odd k): the output is H x W.</summary>
    Same,
}

public sealed class Conv2D : Layer
{
    private float[] _imageWeightGradients = [];
    [ThreadStatic] private static float[]? t_columns;
    [ThreadStatic] private static float[]? t_columnGradients;

    public Conv2D(int inputChannels, int outputChannels, int kernelSize, Padding padding, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentNullException.ThrowIfNull(rng);
        if (!Enum.IsDefined(padding)) throw new ArgumentOutOfRangeException(nameof(padding), padding, "Unknown padding.");
        if (padding == Padding.Same && kernelSize % 2 == 0)
            throw new ArgumentException($"'same' padding needs an odd kernel size, not {kernelSize}.", nameof(kernelSize));
        InputChannels = inputChannels;
        OutputChannels = outputChannels;
        KernelSize = kernelSize;
        Padding = padding;
        Weight = new Parameter("weight", outputChannels, inputChannels, kernelSize, kernelSize);
        Bias = new Parameter("bias", outputChannels);
        // He uniform (He et al. 2015): the variance kept through ReLUs, fan-in C_in k k.
        Weight.FillUniform(rng, Math.Sqrt(6.0 / (inputChannels * kernelSize * kernelSize)));
    }

    public int InputChannels { get; }
    public int OutputChannels { get; }
    public int KernelSize { get; }
    public Padding Padding { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    private int Pad => Padding == Padding.Same ? KernelSize / 2 : 0;

    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[0] != InputChannels)
            throw new ArgumentException($"Conv2D takes samples of shape [{InputChannels}, H, W], not [{string.Join(", ", inputShape)}].", nameof(inputShape));
        int h = inputShape[1] + 2 * Pad - KernelSize + 1, w = inputShape[2] + 2 * Pad - KernelSize + 1;
        if (h < 1 || w < 1)
            throw new ArgumentException($"A {inputShape[1]} x {inputShape[2]} image is smaller than the {KernelSize} x {KernelSize} kernel.", nameof(inputShape));
        return [OutputChannels, h, w];
    }

    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        var g = new Geometry(this, input.Shape[2], input.Shape[3], output.Shape[2], output.Shape[3]);
        Parallel.For(0, input.Batch, s =>
        {
            Span<float> columns = Buffer(ref t_columns, g.ColumnRows * g.Pixels);
            ImageToColumns(input.Sample(s), g, columns);
            Span<float> y = output.Sample(s);
            Sgemm.Multiply(Weight.Value, false, columns, false, y, OutputChannels, g.Pixels, g.ColumnRows, maxDegreeOfParallelism: 1);
            for (int o = 0; o < OutputChannels; o++)
            {
                Span<float> map = y.Slice(o * g.Pixels, g.Pixels);
                System.Numerics.Tensors.TensorPrimitives.Add(map, Bias.Value[o], map);
            }
        });
    }

    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        CheckShapes(input, output);
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient?.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        var g = new Geometry(this, input.Shape[2], input.Shape[3], output.Shape[2], output.Shape[3]);
        int weights = Weight.Value.Length, batch = input.Batch;
        if (_imageWeightGradients.Length < batch * weights) _imageWeightGradients = new float[batch * weights];
        float[] perImage = _imageWeightGradients;
        Parallel.For(0, batch, s =>
        {
            Span<float> columns = Buffer(ref t_columns, g.ColumnRows * g.Pixels);
            ImageToColumns(input.Sample(s), g, columns);
            ReadOnlySpan<float> dy = outputGradient.Sample(s);
            Sgemm.Multiply(dy, false, columns, true, perImage.AsSpan(s * weights, weights), OutputChannels, g.ColumnRows, g.Pixels, maxDegreeOfParallelism: 1);
            if (inputGradient is null) return;
            Span<float> columnGradients = Buffer(ref t_columnGradients, g.ColumnRows * g.Pixels);
            Sgemm.Multiply(Weight.Value, true, dy, false, columnGradients, g.ColumnRows, g.Pixels, OutputChannels, maxDegreeOfParallelism: 1);
            ColumnsToImage(columnGradients, g, inputGradient.Sample(s));
        });
        for (int s = 0; s < batch; s++)
            System.Numerics.Tensors.TensorPrimitives.Add(Weight.Gradient, perImage.AsSpan(s * weights, weights), Weight.Gradient);
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> dy = outputGradient.Sample(s);
            for (int o = 0; o < OutputChannels; o++) Bias.Gradient[o] += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Slice(o * g.Pixels, g.Pixels));
        }
    }

    /// <summary>This thread's buffer, grown when needed (no allocation per batch after warm-up).</summary>
    private static Span<float> Buffer(ref float[]? slot, int length) =>
        (slot is { } b && b.Length >= length ? b : slot = new float[length]).AsSpan(0, length);

    private readonly record struct Geometry(int Channels, int Kernel, int Pad, int Height, int Width, int OutHeight, int OutWidth)
    {
        public Geometry(Conv2D layer, int height, int width, int outHeight, int outWidth)
            : this(layer.InputChannels, layer.KernelSize, layer.Pad, height, width, outHeight, outWidth) { }

        public int Pixels => OutHeight * OutWidth;
        public int ColumnRows => Channels * Kernel * Kernel;
    }

    /// <summary>columns[(c, ky, kx), (oy, ox)] = x[c, oy + ky - pad, ox + kx - pad], 0 outside.</summary>
    private static void ImageToColumns(ReadOnlySpan<float> x, Geometry g, Span<float> columns)
    {
        for (int c = 0, row = 0; c < g.Channels; c++)
            for (int ky = 0; ky < g.Kernel; ky++)
                for (int kx = 0; kx < g.Kernel; kx++, row++)
                {
                    Span<float> dst = columns.Slice(row * g.Pixels, g.Pixels);
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        int iy = oy + ky - g.Pad;
                        Span<float> line = dst.Slice(oy * g.OutWidth, g.OutWidth);
                        if (iy < 0 || iy >= g.Height) { line.Clear(); continue; }
                        // Output columns ox whose input column ox + kx - pad lies inside the image.
                        int first = Math.Max(0, g.Pad - kx), last = Math.Min(g.OutWidth, g.Width + g.Pad - kx);
                        line[..first].Clear();
                        if (last > first) x.Slice(c * g.Height * g.Width + iy * g.Width + first + kx - g.Pad, last - first).CopyTo(line[first..last]);
                        line[Math.Max(first, last)..].Clear();
                    }
                }
    }

    /// <summary>The adjoint of ImageToColumns: dx = sum over patches of their column gradients.</summary>
    private static void ColumnsToImage(ReadOnlySpan<float> columns, Geometry g, Span<float> dx)
    {
        dx.Clear();
        for (int c = 0, row = 0; c < g.Channels; c++)
            for (int ky = 0; ky < g.Kernel; ky++)
                for (int kx = 0; kx < g.Kernel; kx++, row++)
                {
                    ReadOnlySpan<float> src = columns.Slice(row * g.Pixels, g.Pixels);
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        int iy = oy + ky - g.Pad;
                        if (iy < 0 || iy >= g.Height) continue;
                        int first = Math.Max(0, g.Pad - kx), last = Math.Min(g.OutWidth, g.Width + g.Pad - kx);
                        if (last <= first) continue;
                        Span<float> target = dx.Slice(c * g.Height * g.Width + iy * g.Width + first + kx - g.Pad, last - first);
                        System.Numerics.Tensors.TensorPrimitives.Add(target, src.Slice(oy * g.OutWidth + first, last - first), target);
                    }
                }
    }
}
