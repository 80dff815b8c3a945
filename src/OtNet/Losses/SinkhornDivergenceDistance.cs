// The Sinkhorn divergence between two embeddings read as point clouds (n points in R^d,
// uniform weights), as an IPairDistance: the OT distance of Frogner et al. 2019 and Dou et
// al. 2022 plugged into the metric losses. The gradient is the envelope gradient of
// OtKernels.Autodiff (valid at convergence, so the options should converge tightly).
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtNet.Losses;

/// <summary>The Sinkhorn divergence between two embeddings read as point clouds in R^Dimension, with uniform weights.</summary>
public sealed class SinkhornDivergenceDistance : IPairDistance
{
    /// <summary>A distance between clouds of points in R^dimension, solved with options.</summary>
    public SinkhornDivergenceDistance(int dimension, SinkhornOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentNullException.ThrowIfNull(options);
        Dimension = dimension;
        Options = options;
    }

    /// <summary>The points' dimension.</summary>
    public int Dimension { get; }
    /// <summary>The solver's options.</summary>
    public SinkhornOptions Options { get; }

    /// <inheritdoc/>
    public double Distance(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> du, Span<float> dv)
    {
        if (u.Length % Dimension != 0 || v.Length % Dimension != 0)
            throw new ArgumentException($"Embeddings of lengths {u.Length} and {v.Length} are not whole points of dimension {Dimension}.", nameof(u));
        double[] x = Array.ConvertAll(u.ToArray(), f => (double)f), y = Array.ConvertAll(v.ToArray(), f => (double)f);
        int n = x.Length / Dimension, m = y.Length / Dimension;
        var cost = new PointCloudCost(x, y, Dimension);
        double[] a = Enumerable.Repeat(1.0 / n, n).ToArray(), b = Enumerable.Repeat(1.0 / m, m).ToArray();
        SinkhornDivergenceResult<double> result = SinkhornDivergence.SolveBatch<double>(a, b, cost, Options);
        if (du.IsEmpty) return result.Value[0];
        var gx = new double[x.Length];
        var gy = new double[y.Length];
        SinkhornDivergenceBackward.PositionGradients(result, 0, cost, gx, gy);
        for (int i = 0; i < gx.Length; i++) du[i] = (float)gx[i];
        for (int i = 0; i < gy.Length; i++) dv[i] = (float)gy[i];
        return result.Value[0];
    }
}
