// An optimiser updates parameters from their accumulated gradients and then clears the
// gradients, so that the next backward pass starts from zero. Update rules follow PyTorch's
// torch.optim, so that hyper-parameters transfer.
namespace OtNet.Optimizers;

/// <summary>A first-order optimizer: one Step per batch over the parameters' accumulated gradients.</summary>
public abstract class Optimizer
{
    /// <summary>An optimizer over parameters at learningRate.</summary>
    protected Optimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        LearningRate = learningRate;
    }

    /// <summary>The parameters it updates.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Settable between steps (learning-rate schedules).</summary>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be positive and finite.");
    }

    /// <summary>Steps taken so far (set back when a checkpoint is restored).</summary>
    public long Steps
    {
        get;
        set => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Steps), value, "Steps cannot be negative.");
    }

    /// <summary>One update from the current gradients; then the gradients are cleared.</summary>
    public void Step()
    {
        Steps++;
        for (int k = 0; k < Parameters.Count; k++)
        {
            Update(k, Parameters[k]);
            Array.Clear(Parameters[k].Gradient);
        }
    }

    /// <summary>Updates parameter number <paramref name="index"/> from its gradient.</summary>
    protected abstract void Update(int index, Parameter parameter);
}
