using OtKernels.Entropic;

namespace OtKernels.Accelerators;

/// <summary>A PointCloudBatch's arrays in device memory (b as solved).</summary>
internal sealed class DeviceCloudBatch : IDisposable
{
    private DeviceCloudBatch(DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<float> a, DeviceBuffer<float> b)
    {
        X = x; Y = y; A = a; B = b;
    }

    public DeviceBuffer<float> X { get; }
    public DeviceBuffer<float> Y { get; }
    public DeviceBuffer<float> A { get; }
    public DeviceBuffer<float> B { get; }

    public static DeviceCloudBatch Upload(DeviceAccelerator device, PointCloudBatch batch)
    {
        var buffers = new List<DeviceBuffer<float>>(4);
        try
        {
            foreach (ReadOnlyMemory<float> values in (ReadOnlySpan<ReadOnlyMemory<float>>)[batch.X, batch.Y, batch.A, batch.B])
                buffers.Add(device.Upload(values.Span));
            return new DeviceCloudBatch(buffers[0], buffers[1], buffers[2], buffers[3]);
        }
        catch
        {
            foreach (DeviceBuffer<float> buffer in buffers) buffer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        X.Dispose(); Y.Dispose(); A.Dispose(); B.Dispose();
    }
}
