// [C, H, W] (or any sample shape) to [C H W].
namespace OtNet.Layers;

public sealed class Flatten : ShapeOnlyLayer
{
    public override int[] OutputShape(int[] inputShape)
    {
        int length = 1;
        foreach (int d in inputShape) length = checked(length * d);
        return [length];
    }
}
