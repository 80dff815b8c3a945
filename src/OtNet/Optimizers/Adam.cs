// Adam (Kingma and Ba 2015, Algorithm 1), as torch.optim.Adam: m = b1 m + (1 - b1) g,
// v = b2 v + (1 - b2) g^2, p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
namespace OtNet.Optimizers;

/// <summary>Adam (Kingma and Ba 2015) with bias correction.</summary>
public sealed class Adam : Optimizer
{
    private readonly float[][] _first, _second;

    /// <summary>Adam over parameters.</summary>
    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : base(parameters, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");
        (Beta1, Beta2, Epsilon) = (beta1, beta2, epsilon);
        _first = Parameters.Select(p => new float[p.Value.Length]).ToArray();
        _second = Parameters.Select(p => new float[p.Value.Length]).ToArray();
    }

    /// <summary>The first moment's decay.</summary>
    public double Beta1 { get; }
    /// <summary>The second moment's decay.</summary>
    public double Beta2 { get; }
    /// <summary>The denominator's floor.</summary>
    public double Epsilon { get; }

    /// <summary>The moment estimates of parameter <paramref name="index"/> (for checkpoints).</summary>
    public (float[] First, float[] Second) Moments(int index) => (_first[index], _second[index]);

    /// <inheritdoc/>
    protected override void Update(int index, Parameter parameter)
    {
        float[] m = _first[index], v = _second[index], g = parameter.Gradient, p = parameter.Value;
        float b1 = (float)Beta1, b2 = (float)Beta2, eps = (float)Epsilon;
        float correction1 = (float)(1 - Math.Pow(Beta1, Steps)), correction2 = (float)(1 - Math.Pow(Beta2, Steps));
        float stepSize = (float)LearningRate / correction1;
        for (int i = 0; i < p.Length; i++)
        {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i] / correction2) + eps);
        }
    }
}
