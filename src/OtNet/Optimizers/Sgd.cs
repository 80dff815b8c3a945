// Stochastic gradient descent with momentum, as torch.optim.SGD: v = mu v + g, p -= lr v
// (plain SGD for mu = 0).
namespace OtNet.Optimizers;

/// <summary>Stochastic gradient descent with optional momentum.</summary>
public sealed class Sgd : Optimizer
{
    private readonly float[][] _velocity;

    /// <summary>SGD over parameters.</summary>
    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0) : base(parameters, learningRate)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        Momentum = momentum;
        _velocity = Parameters.Select(p => new float[p.Value.Length]).ToArray();
    }

    /// <summary>The momentum (0: plain SGD).</summary>
    public double Momentum { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Parameter parameter)
    {
        float[] v = _velocity[index], g = parameter.Gradient, p = parameter.Value;
        float mu = (float)Momentum, lr = (float)LearningRate;
        for (int i = 0; i < p.Length; i++)
        {
            v[i] = mu * v[i] + g[i];
            p[i] -= lr * v[i];
        }
    }
}
