// A trainable array with its gradient, both flat. Backward passes add to Gradient (so that a
// batch may be split), and optimisers read both and clear Gradient.
namespace OtNet;

public sealed class Parameter
{
    public Parameter(string name, params int[] shape)
    {
        Name = name;
        Shape = (int[])shape.Clone();
        int length = 1;
        foreach (int d in shape) length = checked(length * d);
        Value = new float[length];
        Gradient = new float[length];
    }

    public string Name { get; }
    public int[] Shape { get; }
    public float[] Value { get; }
    public float[] Gradient { get; }

    /// <summary>Uniform in [-limit, limit] from <paramref name="rng"/>: He (limit sqrt(6/fanIn))
    /// or Glorot (sqrt(6/(fanIn + fanOut))) initialisation as the layers choose.</summary>
    public void FillUniform(Random rng, double limit)
    {
        for (int i = 0; i < Value.Length; i++) Value[i] = (float)((2 * rng.NextDouble() - 1) * limit);
    }
}
