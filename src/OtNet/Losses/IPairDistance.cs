// A distance between two embeddings with its gradient, so that metric-learning losses work
// over any distance: squared Euclidean (DWE), Euclidean, or an OT distance whose reverse pass
// comes from OtKernels.Autodiff (Dou et al. 2022).
namespace OtNet.Losses;

/// <summary>A differentiable distance between two embeddings, as the metric losses use it.</summary>
public interface IPairDistance
{
    /// <summary>d(u, v); when <paramref name="du"/> and <paramref name="dv"/> are not empty,
    /// writes dd/du and dd/dv into them.</summary>
    double Distance(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> du, Span<float> dv);
}

/// <summary>||u - v||^2.</summary>
public sealed class SquaredEuclideanDistance : IPairDistance
{
    /// <summary>The distance between u and v; writes its gradients into du and dv.</summary>
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

/// <summary>||u - v||, from the squared distance: d = sqrt(s), dd/du = (ds/du) / (2 d), taken
/// as 0 at u = v (a subgradient).</summary>
public sealed class EuclideanDistance : IPairDistance
{
    private readonly SquaredEuclideanDistance _squared = new();

    /// <inheritdoc/>
    public double Distance(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> du, Span<float> dv)
    {
        double norm = Math.Sqrt(_squared.Distance(u, v, du, dv));
        if (du.IsEmpty) return norm;
        float scale = norm > 0 ? (float)(0.5 / norm) : 0;
        System.Numerics.Tensors.TensorPrimitives.Multiply(du, scale, du);
        System.Numerics.Tensors.TensorPrimitives.Multiply(dv, scale, dv);
        return norm;
    }
}
