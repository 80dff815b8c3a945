// When the unrolled reverse pass can be compared between two float implementations: its
// sensitivity to a zero weight is exponential in the cost gap over eps (see MaxAmplification).
using OtKernels.Conformance;
using OtKernels.Entropic;

namespace OtKernels.Autodiff.Tests;

internal static class UnrolledConditioning
{
    /// <summary>The unrolled reverse pass differentiates log b_j at a zero weight too: the
    /// first f update's sensitivity to b_j is exp((min_j' C_ij' - C_ij) / eps) over the
    /// weighted j', so a zero-weight point much nearer x_i than every weighted one amplifies
    /// float rounding by that factor (seen: 5.4e9, with d/db 0.51 in double, -0.45 on the CPU
    /// and -2.9 on the device in float). Device and CPU can agree to the 1e-4 of
    /// IterationTolerance only where the factor times float's 6e-8 stays below it.</summary>
    public const double MaxAmplification = 1e3;

    public static bool WellConditioned(ConformanceCase c) => ZeroWeightAmplification(c) <= MaxAmplification;

    /// <summary>The largest such factor of the case, over zero weights of either side.</summary>
    public static double ZeroWeightAmplification(ConformanceCase c)
    {
        PointCloudBatch batch = c.Generate();
        double worst = 1;
        for (int k = 0; k < c.Batch; k++)
        {
            OtKernels.Geometry.PointCloudCost cost = batch.CostOf(k);
            float[] a = batch.A.Span.Slice(k * c.N, c.N).ToArray(), b = batch.B.Span.Slice(k * c.M, c.M).ToArray();
            for (int i = 0; i < c.N; i++)
                for (int j = 0; j < c.M; j++)
                {
                    // Row i against a zero-weight column j, and column j against a zero-weight row i.
                    if (a[i] > 0 && b[j] == 0) worst = Math.Max(worst, Amplification(c.M, jj => b[jj] > 0, jj => cost[i, jj], cost[i, j], c.Epsilon));
                    if (b[j] > 0 && a[i] == 0) worst = Math.Max(worst, Amplification(c.N, ii => a[ii] > 0, ii => cost[ii, j], cost[i, j], c.Epsilon));
                }
        }
        return worst;
    }

    private static double Amplification(int count, Func<int, bool> weighted, Func<int, double> costTo, double zeroCost, double epsilon)
    {
        double nearest = double.PositiveInfinity;
        for (int t = 0; t < count; t++) if (weighted(t)) nearest = Math.Min(nearest, costTo(t));
        return Math.Exp((nearest - zeroCost) / epsilon);
    }
}
