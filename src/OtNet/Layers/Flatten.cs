// [C, H, W] (or any sample shape) to [C H W].
namespace OtNet.Layers;

/// <summary>Reshapes [batch, ...] to [batch, features].</summary>
public sealed class Flatten : ShapeOnlyLayer
{
    /// <summary>The layer as shorthand: "flatten".</summary>
    public override string ToString() => "flatten";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        int length = 1;
        foreach (int d in inputShape) length = checked(length * d);
        return [length];
    }
}
