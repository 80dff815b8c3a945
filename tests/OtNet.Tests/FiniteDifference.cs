using Xunit;

namespace OtNet.Tests;

/// <summary>The one finite-difference check of the OtNet tests: central differences of a loss
/// (evaluated in double) in each entry of a float array, against a backward pass's gradient.</summary>
internal static class FiniteDifference
{
    /// <param name="count">How many leading entries to check; all when negative.</param>
    public static void Check(float[] values, float[] analytic, Func<double> loss, float step, double absolute, double relative, string label, int count = -1)
    {
        for (int i = 0; i < (count < 0 ? values.Length : Math.Min(count, values.Length)); i++)
        {
            float keep = values[i];
            values[i] = keep + step;
            double plus = loss();
            values[i] = keep - step;
            double minus = loss();
            values[i] = keep;
            double numeric = (plus - minus) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[i]) <= absolute + relative * Math.Abs(numeric),
                $"{label} [{i}]: backward {analytic[i]} vs finite difference {numeric}");
        }
    }
}
