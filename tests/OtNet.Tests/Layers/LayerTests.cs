using FsCheck;
using FsCheck.Fluent;
using OtNet.Layers;
using Xunit;

namespace OtNet.Tests.Layers;

public class LayerTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(25);

    [Fact]
    public void Dense_BackwardMatchesFiniteDifferences()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 4) from inputs in Gen.Choose(1, 12) from outputs in Gen.Choose(1, 12) from seed in Gen.Choose(0, int.MaxValue)
                     select (batch, inputs, outputs, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            GradientCheck.Run(new Dense(t.inputs, t.outputs, rng), GradientCheck.RandomInput(rng, t.batch, t.inputs), rng, t.ToString());
        }).Check(Quick);
    }

    [Fact]
    public void ReluAndFlatten_BackwardMatchFiniteDifferences()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 3) from c in Gen.Choose(1, 3) from h in Gen.Choose(1, 5) from w in Gen.Choose(1, 5) from seed in Gen.Choose(0, int.MaxValue)
                     select (batch, c, h, w, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            GradientCheck.Run(new Relu(), GradientCheck.RandomInput(rng, t.batch, t.c, t.h, t.w), rng, "relu " + t);
            GradientCheck.Run(new Flatten(), GradientCheck.RandomInput(rng, t.batch, t.c, t.h, t.w), rng, "flatten " + t);
        }).Check(Quick);
    }

    [Fact]
    public void Conv2D_BackwardMatchesFiniteDifferences_ValidAndSame()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 3) from cin in Gen.Choose(1, 7) from cout in Gen.Choose(1, 7) from k in Gen.Elements(1, 2, 3, 5)
                     from h in Gen.Choose(5, 8) from w in Gen.Choose(5, 8) from same in Gen.Elements(false, true) from seed in Gen.Choose(0, int.MaxValue)
                     select (batch, cin, cout, k, h, w, same, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            Padding padding = t.same && t.k % 2 == 1 ? Padding.Same : Padding.Valid;
            var conv = new Conv2D(t.cin, t.cout, t.k, padding, rng);
            for (int i = 0; i < conv.Bias.Value.Length; i++) conv.Bias.Value[i] = (float)(rng.NextDouble() - 0.5);
            GradientCheck.Run(conv, GradientCheck.RandomInput(rng, t.batch, t.cin, t.h, t.w), rng, $"{t} {padding}");
        }).Check(Quick);
    }

    [Fact]
    public void Conv2D_ForwardEqualsTheDirectSum()
    {
        // The convolution by its definition (PyTorch's cross-correlation with zero padding),
        // independent of the shifted windows and the matrix product; up to 12 output channels
        // cover the 5-row tiles and every remainder.
        Prop.ForAll((from cin in Gen.Choose(1, 7) from cout in Gen.Choose(1, 12) from k in Gen.Elements(1, 3, 5) from h in Gen.Choose(5, 10) from w in Gen.Choose(5, 10)
                     from same in Gen.Elements(false, true) from seed in Gen.Choose(0, int.MaxValue) select (cin, cout, k, h, w, same, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var conv = new Conv2D(t.cin, t.cout, t.k, t.same ? Padding.Same : Padding.Valid, rng);
            for (int i = 0; i < conv.Bias.Value.Length; i++) conv.Bias.Value[i] = (float)rng.NextDouble();
            Tensor x = GradientCheck.RandomInput(rng, 2, t.cin, t.h, t.w);
            int pad = t.same ? t.k / 2 : 0;
            int[] shape = conv.OutputShape(x.Shape[1..]);
            var y = new Tensor([2, .. shape]);
            conv.Forward(x, y);
            for (int s = 0; s < 2; s++)
                for (int o = 0; o < t.cout; o++)
                    for (int oy = 0; oy < shape[1]; oy++)
                        for (int ox = 0; ox < shape[2]; ox++)
                        {
                            double sum = conv.Bias.Value[o];
                            for (int c = 0; c < t.cin; c++)
                                for (int ky = 0; ky < t.k; ky++)
                                    for (int kx = 0; kx < t.k; kx++)
                                    {
                                        int iy = oy + ky - pad, ix = ox + kx - pad;
                                        if (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w) continue;
                                        sum += (double)conv.Weight.Value[((o * t.cin + c) * t.k + ky) * t.k + kx] * x.Data[((s * t.cin + c) * t.h + iy) * t.w + ix];
                                    }
                            float got = y.Data[((s * t.cout + o) * shape[1] + oy) * shape[2] + ox];
                            Assert.True(Math.Abs(got - sum) <= 1e-5 * (1 + Math.Abs(sum)), $"{t} [{s},{o},{oy},{ox}]: {got} vs {sum}");
                        }
        }).Check(Quick);
    }

    [Fact]
    public void MaxPoolSoftmaxAndReshape_BackwardMatchFiniteDifferences()
    {
        Prop.ForAll((from batch in Gen.Choose(1, 3) from c in Gen.Choose(1, 3) from h in Gen.Choose(2, 7) from w in Gen.Choose(2, 7) from size in Gen.Choose(1, 3)
                     from seed in Gen.Choose(0, int.MaxValue) select (batch, c, h, w, size, seed)).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            int size = Math.Min(t.size, Math.Min(t.h, t.w));
            // Distinct values at least 0.05 apart, so that no finite-difference step changes a window's argmax.
            int n = t.batch * t.c * t.h * t.w;
            var pooled = new Tensor(t.batch, t.c, t.h, t.w);
            int[] order = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            for (int i = 0; i < n; i++) pooled.Data[i] = 0.05f * order[i] - 1;
            GradientCheck.Run(new MaxPool2D(size), pooled, rng, "maxpool " + t);
            GradientCheck.Run(new Softmax(), GradientCheck.RandomInput(rng, t.batch, t.c, t.h, t.w), rng, "softmax " + t);
            GradientCheck.Run(new Reshape(t.h, t.c * t.w), GradientCheck.RandomInput(rng, t.batch, t.c, t.h, t.w), rng, "reshape " + t);
        }).Check(Quick);
    }

    [Fact]
    public void Sequential_SmallCnn_BackwardMatchesFiniteDifferencesOfTheWholeChain()
    {
        var rng = new Random(11);
        var model = new Sequential([1, 8, 8],
            new Conv2D(1, 3, 3, Padding.Same, rng), new Relu(), new MaxPool2D(2), new Conv2D(3, 2, 3, Padding.Valid, rng), new Relu(),
            new Flatten(), new Dense(8, 5, rng), new Softmax());
        Assert.Equal(new[] { 5 }, model.OutputShape);
        Tensor x = GradientCheck.RandomInput(rng, 2, 1, 8, 8);
        var r = GradientCheck.RandomInput(rng, 2, 5);
        double Loss()
        {
            Tensor y = model.Forward(x);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (double)r.Data[i] * y.Data[i];
            return sum;
        }
        Loss();
        model.ZeroGradients();
        var dx = new Tensor(x.Shape);
        model.Backward(r, dx);
        // The chain has kinks (ReLU, max); a small step and a tolerance sized for float keep
        // the check meaningful without crossing them in practice.
        foreach (Parameter p in model.Parameters) FiniteDifference.Check(p.Value, p.Gradient, Loss, 1e-3f, 2e-3, 2e-2, p.Name);
        FiniteDifference.Check(x.Data, dx.Data, Loss, 1e-3f, 2e-3, 2e-2, "input");
    }

    [Fact]
    public void Sequential_RejectsAChainWhoseShapesDoNotFit_NamingTheLayer()
    {
        var rng = new Random(1);
        var e = Assert.Throws<ArgumentException>(() => new Sequential([1, 8, 8], new Conv2D(1, 2, 3, Padding.Same, rng), new Dense(10, 2, rng)));
        Assert.Contains("Layer 1 (Dense)", e.Message);
    }

    [Fact]
    public void ShapeMismatches_RaiseClearErrors()
    {
        var rng = new Random(1);
        var dense = new Dense(4, 3, rng);
        var e = Assert.Throws<ArgumentException>(() => dense.Forward(new Tensor(2, 5), new Tensor(2, 3)));
        Assert.Contains("[4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => dense.Forward(new Tensor(2, 4), new Tensor(2, 2)));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new Conv2D(1, 2, 4, Padding.Same, rng));
        Assert.Equal("kernelSize", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new Conv2D(2, 2, 3, Padding.Valid, rng).OutputShape([1, 8, 8]));
        Assert.Contains("[2, H, W]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tensor(2, 0));
    }

    [Fact]
    public void SameSeed_GivesTheSameWeights_AndConvGradientsDoNotDependOnTheThreadPool()
    {
        var a = new Conv2D(2, 3, 3, Padding.Same, new Random(7));
        var b = new Conv2D(2, 3, 3, Padding.Same, new Random(7));
        Assert.Equal(a.Weight.Value, b.Weight.Value);
        var rng = new Random(3);
        Tensor x = GradientCheck.RandomInput(rng, 16, 2, 9, 9);
        var y = new Tensor(16, 3, 9, 9);
        var dy = GradientCheck.RandomInput(rng, 16, 3, 9, 9);
        a.Forward(x, y);
        a.Backward(x, y, dy, null);
        float[] first = (float[])a.Weight.Gradient.Clone();
        Array.Clear(a.Weight.Gradient);
        a.Backward(x, y, dy, null);
        Assert.Equal(first, a.Weight.Gradient);
    }
}
