// A distance between two embeddings with its gradient, so that metric-learning losses work
// over any distance: squared Euclidean (DWE), Euclidean, or an OT distance whose reverse pass
// comes from OtKernels.Autodiff (Dou et al. 2022).
namespace OtNet.Losses;

public interface IPairDistance
{
    /// <summary>d(u, v); when <paramref name="du"/> and <paramref name="dv"/> are not empty,
    /// writes dd/du and dd/dv into them.</summary>
    double Distance(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> du, Span<float> dv);
}

/// <summary>||u - v||^2.</summary>
public sealed class SquaredEuclideanDistance : IPairDistance
{
    public double Distance(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> du, Span<float> dv)
    {
        double sum = 0;
        for (int i = 0; i < u.Length; i++)
        {
            double d = (double)u[i] - v[i];
            sum += d * d;
            if (du.IsEmpty) continue;
            du[i] = (float)(2 * d);
            dv[i] = (float)(-2 * d);
        }
        return sum;
    }
}

/// <summary>||u - v||; its gradient at u = v is taken as 0 (a subgradient).</summary>
public sealed class EuclideanDistance : IPairDistance
{
    public double Distance(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> du, Span<float> dv)
    {
        double sum = 0;
        for (int i = 0; i < u.Length; i++)
        {
            double d = (double)u[i] - v[i];
            sum += d * d;
        }
        double norm = Math.Sqrt(sum);
        if (du.IsEmpty) return norm;
        for (int i = 0; i < u.Length; i++)
        {
            double g = norm > 0 ? ((double)u[i] - v[i]) / norm : 0;
            du[i] = (float)g;
            dv[i] = (float)-g;
        }
        return norm;
    }
}
