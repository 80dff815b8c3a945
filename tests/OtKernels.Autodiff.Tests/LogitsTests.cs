// Logits.Softmax against the textbook formula exp(z_c) / sum exp(z) in double (where that
// formula does not overflow), its invariance to a shift of the logits (where it would), and a
// logit that is not finite named with its sample and class.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Autodiff.Losses;
using Xunit;

namespace OtKernels.Autodiff.Tests;

public class LogitsTests
{
    [Fact]
    public void Softmax_IsTheTextbookFormula_AndShiftInvariant() =>
        Prop.ForAll(Gen.Choose(1, 12).SelectMany(k => Gen.Choose(-2560, 2560).ArrayOf(k)).ToArbitrary(), sixtyfourths =>
        {
            // Multiples of 1/64 up to 40, so that z + 1024 is exact in float.
            float[] z = [.. sixtyfourths.Select(h => h / 64f)];
            double[] expected = [.. z.Select(v => Math.Exp(v))];
            double total = expected.Sum();
            var p = new double[z.Length];
            Logits.Softmax(z, p);
            for (int c = 0; c < z.Length; c++) Assert.Equal(expected[c] / total, p[c], 1e-14);
            // A shift of 1024 overflows exp(z) in double; the softmax must not move.
            var shifted = new double[z.Length];
            Logits.Softmax([.. z.Select(v => v + 1024f)], shifted);
            for (int c = 0; c < z.Length; c++) Assert.Equal(p[c], shifted[c], 1e-15);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Softmax_NamesANonFiniteLogit_AndAWrongLength()
    {
        var error = Assert.Throws<ArgumentException>(() => Logits.Softmax([0f, float.NaN, 1f], new double[3], sample: 7));
        Assert.Equal("logits", error.ParamName);
        Assert.Contains("sample 7, class 1", error.Message);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => Logits.Softmax([0f, 1f], new double[3])).ParamName);
    }
}
