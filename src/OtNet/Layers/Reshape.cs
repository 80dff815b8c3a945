// A new per-sample shape with the same number of entries (the DWE decoder's 5 x 784 dense
// output as 5 maps of 28 x 28).
namespace OtNet.Layers;

/// <summary>Reshapes [batch, ...] to [batch, shape...].</summary>
public sealed class Reshape : ShapeOnlyLayer
{
    /// <summary>The layer as shorthand, e.g. "reshape 20x4x4".</summary>
    public override string ToString() => $"reshape {string.Join("x", _shape)}";

    private readonly int[] _shape;

    /// <summary>A reshape to [batch, shape...].</summary>
    public Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape) ArgumentOutOfRangeException.ThrowIfLessThan(d, 1, nameof(shape));
        _shape = (int[])shape.Clone();
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        long from = 1, to = 1;
        foreach (int d in inputShape) from *= d;
        foreach (int d in _shape) to *= d;
        if (from != to)
            throw new ArgumentException($"Reshape to [{string.Join(", ", _shape)}] ({to} entries) cannot take [{string.Join(", ", inputShape)}] ({from} entries).", nameof(inputShape));
        return (int[])_shape.Clone();
    }
}
