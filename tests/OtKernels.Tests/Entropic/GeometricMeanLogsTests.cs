using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.LinearAlgebra;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class GeometricMeanLogsTests
{
    [Fact]
    public void Sum_IsTheWeightedSumOfLogs_ThroughUnderflowOverflowZerosAndWeightChanges()
    {
        // Up to twelve factors per pixel drawn from 1e-100s, 1e+100s, ones, subnormals and
        // zeros (whose log is -inf), with weights that repeat or change: products of 1e-100s
        // underflow and of 1e+100s overflow, so runs must end before them; every length to 11
        // covers the vector and scalar paths. Against one Math.Log per factor.
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            int n = rng.Next(1, 12), count = rng.Next(1, 13);
            bool zeros = rng.Next(4) == 0;
            double Factor() => rng.Next(zeros ? 5 : 4) switch
            {
                0 => Math.Pow(10, -100 + rng.NextDouble()),
                1 => Math.Pow(10, 100 + rng.NextDouble()),
                2 => 0.5 + rng.NextDouble(),
                3 => 1e-310 * (1 + rng.NextDouble()),
                _ => 0,
            };
            double[][] x = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, n).Select(_ => Factor()).ToArray()).ToArray();
            double[][] y = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, n).Select(_ => 0.5 + rng.NextDouble()).ToArray()).ToArray();
            double[] weights = Enumerable.Range(0, count).Select(_ => rng.Next(3) == 0 ? 0.25 : 0.125).ToArray();
            var logs = new GeometricMeanLogs(n);
            double[] sum = Enumerable.Repeat(double.NaN, n).ToArray();  // Start: the first run stores
            logs.Start();
            for (int k = 0; k < count; k++) logs.Add<Elementwise.Multiply>(x[k], y[k], weights[k], sum);
            logs.Flush(sum);
            for (int p = 0; p < n; p++)
            {
                double expected = 0;
                for (int k = 0; k < count; k++) expected += weights[k] * Math.Log(x[k][p] * y[k][p]);
                if (double.IsNegativeInfinity(expected)) Assert.Equal(expected, sum[p]);
                else Assert.Equal(expected, sum[p], 1e-12 * Math.Max(1, Math.Abs(expected)));
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Flush_EndsTheRun_AndStart_MakesTheNextChunksFirstRunStore()
    {
        var logs = new GeometricMeanLogs(5);
        double[] first = [7, 7, 7, 7, 7], second = [7, 7, 7, 7, 7];
        double[] ones = [1, 1, 1, 1, 1], e = [Math.E, Math.E, Math.E, Math.E, Math.E];
        logs.Start();
        logs.Add<Elementwise.Multiply>(e, ones, 1, first);
        logs.Add<Elementwise.Multiply>(e, ones, 1, first);
        logs.Add<Elementwise.Multiply>(e, ones, 0.25, first);  // a new weight: a second run, added
        logs.Flush(first);
        logs.Flush(first);  // nothing open: no change
        logs.Start();
        logs.Add<Elementwise.Multiply>(e, ones, 0.5, second);
        logs.Flush(second);
        Assert.All(first, v => Assert.Equal(2.25, v, 1e-15));
        Assert.All(second, v => Assert.Equal(0.5, v, 1e-15));
    }
}
