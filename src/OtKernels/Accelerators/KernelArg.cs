namespace OtKernels.Accelerators;

/// <summary>One argument of a kernel launch: a device buffer (or null), an int or a float,
/// in the order of the kernel's parameter list.</summary>
internal readonly struct KernelArg
{
    public enum ArgKind : byte { Buffer, Int, Float }

    private KernelArg(ArgKind kind, DeviceMemory? buffer, int intValue, float floatValue)
    {
        Kind = kind; Buffer = buffer; IntValue = intValue; FloatValue = floatValue;
    }

    public ArgKind Kind { get; }
    public DeviceMemory? Buffer { get; }
    public int IntValue { get; }
    public float FloatValue { get; }

    public static KernelArg Of<T>(DeviceBuffer<T>? buffer) where T : unmanaged => new(ArgKind.Buffer, buffer?.Memory, 0, 0);
    public static implicit operator KernelArg(int value) => new(ArgKind.Int, null, value, 0);
    public static implicit operator KernelArg(float value) => new(ArgKind.Float, null, 0, value);
}
