// 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d), stride 1, 'valid' or 'same'
// zero padding, weights stored [C_out, C_in, k, k] (PyTorch's layout). Each image is
// zero-padded once and the layer is one ShiftedProduct: im2col's row (c, ky, kx) is the
// padded image shifted by c plane + ky paddedWidth + kx when the output is kept at the padded
// row stride (its last k - 1 columns of each row are discarded). Backward: dW is the dot
// products of dY's rows with the same windows; dX is the 'full' correlation of dY, padded
// by k - 1 - pad, with the kernel turned by 180 degrees and C_in, C_out swapped. Images run
// in parallel; each image's weight gradient goes to its own slot and the slots are summed in
// image order, so results do not depend on the thread count.
using OtNet.LinearAlgebra;

namespace OtNet.Layers;

/// <summary>How a convolution treats the border.</summary>
public enum Padding
{
    /// <summary>No padding: the output is (H - k + 1) x (W - k + 1).</summary>
    Valid,
    /// <summary>k / 2 zeros on every side (odd k): the output is H x W.</summary>
    Same,
}

/// <summary>A 2-D convolution (cross-correlation) with bias, weights [C_out, C_in, k, k] as PyTorch lays them out.</summary>
public sealed class Conv2D : Layer
{
    private float[] _imageWeightGradients = [], _turnedWeights = [];
    [ThreadStatic] private static float[]? t_padded, t_rows, t_paddedGradient, t_inputRows;

    /// <summary>A layer with He-initialised weights drawn from rng.</summary>
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

    /// <summary>Channels in.</summary>
    public int InputChannels { get; }
    /// <summary>Channels out.</summary>
    public int OutputChannels { get; }
    /// <summary>The kernel's side.</summary>
    public int KernelSize { get; }
    /// <summary>The border treatment.</summary>
    public Padding Padding { get; }
    /// <summary>The weights [C_out, C_in, k, k].</summary>
    public Parameter Weight { get; }
    /// <summary>The biases [C_out].</summary>
    public Parameter Bias { get; }

    /// <summary>The layer as PyTorch-like shorthand, e.g. "conv 32@3x3 same".</summary>
    public override string ToString() => $"conv {OutputChannels}@{KernelSize}x{KernelSize} {Padding.ToString().ToLowerInvariant()}";
    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    private int Pad => Padding == Padding.Same ? KernelSize / 2 : 0;

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[0] != InputChannels)
            throw new ArgumentException($"Conv2D takes samples of shape [{InputChannels}, H, W], not [{string.Join(", ", inputShape)}].", nameof(inputShape));
        int h = inputShape[1] + 2 * Pad - KernelSize + 1, w = inputShape[2] + 2 * Pad - KernelSize + 1;
        if (h < 1 || w < 1)
            throw new ArgumentException($"A {inputShape[1]} x {inputShape[2]} image is smaller than the {KernelSize} x {KernelSize} kernel.", nameof(inputShape));
        return [OutputChannels, h, w];
    }

    /// <inheritdoc/>
    public override void Forward(Tensor input, Tensor output)
    {
        CheckShapes(input, output);
        var g = new Geometry(InputChannels, KernelSize, Pad, input.Shape[2], input.Shape[3]);
        int[] offsets = g.Offsets();
        Parallel.For(0, input.Batch, s =>
        {
            Span<float> padded = Buffer(ref t_padded, g.PaddedLength);
            g.Embed(input.Sample(s), padded);
            Span<float> rows = Buffer(ref t_rows, OutputChannels * g.Columns);
            ShiftedProduct.Multiply(Weight.Value, offsets, padded, rows, OutputChannels, g.Columns);
            g.Extract(rows, OutputChannels, output.Sample(s), Bias.Value);
        });
    }

    /// <inheritdoc/>
    public override void Backward(Tensor input, Tensor output, Tensor outputGradient, Tensor? inputGradient)
    {
        CheckShapes(input, output);
        CheckShapes(input, outputGradient, nameof(outputGradient));
        inputGradient?.ThrowIfShapeIsNot(input.Shape, nameof(inputGradient));
        var g = new Geometry(InputChannels, KernelSize, Pad, input.Shape[2], input.Shape[3]);
        // dX's geometry: dY padded by k - 1 - pad, which gives back the input's size.
        var t = new Geometry(OutputChannels, KernelSize, KernelSize - 1 - Pad, g.OutHeight, g.OutWidth);
        int[] offsets = g.Offsets(), gradientOffsets = t.Offsets();
        float[]? turned = inputGradient is null ? null : TurnedWeights();
        int weights = Weight.Value.Length, batch = input.Batch;
        if (_imageWeightGradients.Length < batch * weights) _imageWeightGradients = new float[batch * weights];
        float[] perImage = _imageWeightGradients;
        Parallel.For(0, batch, s =>
        {
            Span<float> padded = Buffer(ref t_padded, g.PaddedLength);
            g.Embed(input.Sample(s), padded);
            // dY at the padded input's row stride, zeros in the discarded columns, so that its
            // dot products with the forward windows are the weight gradient.
            Span<float> rows = Buffer(ref t_rows, OutputChannels * g.Columns);
            g.EmbedRows(outputGradient.Sample(s), OutputChannels, rows);
            ShiftedProduct.MultiplyTransposed(rows, offsets, padded, perImage.AsSpan(s * weights, weights), OutputChannels, g.Columns);
            if (inputGradient is null) return;
            Span<float> paddedGradient = Buffer(ref t_paddedGradient, t.PaddedLength);
            t.Embed(outputGradient.Sample(s), paddedGradient);
            Span<float> inputRows = Buffer(ref t_inputRows, InputChannels * t.Columns);
            ShiftedProduct.Multiply(turned, gradientOffsets, paddedGradient, inputRows, InputChannels, t.Columns);
            t.Extract(inputRows, InputChannels, inputGradient.Sample(s), bias: null);
        });
        for (int s = 0; s < batch; s++)
            System.Numerics.Tensors.TensorPrimitives.Add(Weight.Gradient, perImage.AsSpan(s * weights, weights), Weight.Gradient);
        int pixels = g.OutHeight * g.OutWidth;
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> dy = outputGradient.Sample(s);
            for (int o = 0; o < OutputChannels; o++) Bias.Gradient[o] += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Slice(o * pixels, pixels));
        }
    }

    /// <summary>The weights as [C_in, C_out, k, k] with each kernel turned by 180 degrees: the
    /// kernel of dX = full correlation of dY.</summary>
    private float[] TurnedWeights()
    {
        int k = KernelSize, kk = k * k;
        if (_turnedWeights.Length != Weight.Value.Length) _turnedWeights = new float[Weight.Value.Length];
        for (int o = 0; o < OutputChannels; o++)
            for (int c = 0; c < InputChannels; c++)
                for (int i = 0; i < kk; i++)
                    _turnedWeights[(c * OutputChannels + o) * kk + kk - 1 - i] = Weight.Value[(o * InputChannels + c) * kk + i];
        return _turnedWeights;
    }

    /// <summary>This thread's buffer, grown when needed (no allocation per batch after warm-up).</summary>
    private static Span<float> Buffer(ref float[]? slot, int length) =>
        (slot is { } b && b.Length >= length ? b : slot = new float[length]).AsSpan(0, length);

    /// <summary>A stride-1 correlation of Channels maps of Height x Width, zero-padded by Pad on
    /// every side, with a Kernel x Kernel kernel: where each padded map lies in the shifted
    /// product's source and where each output row lies in its result rows.</summary>
    private readonly record struct Geometry(int Channels, int Kernel, int Pad, int Height, int Width)
    {
        public int PaddedWidth => Width + 2 * Pad;
        public int Plane => (Height + 2 * Pad) * PaddedWidth;
        public int OutHeight => Height + 2 * Pad - Kernel + 1;
        public int OutWidth => PaddedWidth - Kernel + 1;

        /// <summary>Length of a result row: the output rows at stride PaddedWidth, rounded up.</summary>
        public int Columns => (OutHeight * PaddedWidth + ShiftedProduct.ColumnMultiple - 1) / ShiftedProduct.ColumnMultiple * ShiftedProduct.ColumnMultiple;

        /// <summary>The padded maps and enough zeros after them for the last window of every row.</summary>
        public int PaddedLength => (Channels - 1) * Plane + (Kernel - 1) * PaddedWidth + Kernel - 1 + Columns;

        /// <summary>Where im2col's row (c, ky, kx) starts: c Plane + ky PaddedWidth + kx.</summary>
        public int[] Offsets()
        {
            var offsets = new int[Channels * Kernel * Kernel];
            for (int c = 0, p = 0; c < Channels; c++)
                for (int ky = 0; ky < Kernel; ky++)
                    for (int kx = 0; kx < Kernel; kx++) offsets[p++] = c * Plane + ky * PaddedWidth + kx;
            return offsets;
        }

        /// <summary>The maps [Channels, Height, Width] zero-padded into padded (cleared first, tail included).</summary>
        public void Embed(ReadOnlySpan<float> maps, Span<float> padded)
        {
            padded.Clear();
            for (int c = 0; c < Channels; c++)
                for (int y = 0; y < Height; y++)
                    maps.Slice((c * Height + y) * Width, Width).CopyTo(padded.Slice(c * Plane + (y + Pad) * PaddedWidth + Pad));
        }

        /// <summary>Output maps [channels, OutHeight, OutWidth] laid out as result rows (zeros
        /// in the discarded columns and the tail).</summary>
        public void EmbedRows(ReadOnlySpan<float> maps, int channels, Span<float> rows)
        {
            rows.Clear();
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < OutHeight; y++)
                    maps.Slice((c * OutHeight + y) * OutWidth, OutWidth).CopyTo(rows.Slice(c * Columns + y * PaddedWidth));
        }

        /// <summary>Result rows back to maps [channels, OutHeight, OutWidth], plus bias[c] when given.</summary>
        public void Extract(ReadOnlySpan<float> rows, int channels, Span<float> maps, float[]? bias)
        {
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < OutHeight; y++)
                {
                    Span<float> line = maps.Slice((c * OutHeight + y) * OutWidth, OutWidth);
                    ReadOnlySpan<float> source = rows.Slice(c * Columns + y * PaddedWidth, OutWidth);
                    if (bias is null) source.CopyTo(line);
                    else System.Numerics.Tensors.TensorPrimitives.Add(source, bias[c], line);
                }
        }
    }
}
