// A trainable array with its gradient, both flat. Backward passes add to Gradient (so that a
// batch may be split), and optimisers read both and clear Gradient.
namespace OtNet;

/// <summary>A trained tensor: its values and the gradient accumulated by backward passes.</summary>
public sealed class Parameter
{
    /// <summary>A zero parameter of the given shape, named as PyTorch would name it.</summary>
    public Parameter(string name, params int[] shape)
    {
        Name = name;
        Shape = (int[])shape.Clone();
        int length = 1;
        foreach (int d in shape) length = checked(length * d);
        Value = new float[length];
        Gradient = new float[length];
    }

    /// <summary>The name in model files.</summary>
    public string Name { get; }
    /// <summary>The shape.</summary>
    public int[] Shape { get; }
    /// <summary>The values, row-major.</summary>
    public float[] Value { get; }
    /// <summary>The accumulated gradient, same layout.</summary>
    public float[] Gradient { get; }

    /// <summary>Uniform in [-limit, limit] from <paramref name="rng"/>: He (limit sqrt(6/fanIn))
    /// or Glorot (sqrt(6/(fanIn + fanOut))) initialisation as the layers choose.</summary>
    public void FillUniform(Random rng, double limit)
    {
        for (int i = 0; i < Value.Length; i++) Value[i] = (float)((2 * rng.NextDouble() - 1) * limit);
    }
}
