using OtKernels.Geometry;

namespace OtKernels.Accelerators;

/// <summary>A cost matrix on the device for the dense kernels, in float: C [n, m] for the
/// g update and C^T [m, n] for the f update, so that neighbouring work-items read
/// neighbouring addresses in both.</summary>
internal sealed class DeviceDenseCost : IDisposable
{
    private DeviceDenseCost(DeviceBuffer<float> cost, DeviceBuffer<float> transposed)
    {
        Cost = cost; Transposed = transposed;
    }

    public DeviceBuffer<float> Cost { get; }
    public DeviceBuffer<float> Transposed { get; }

    public static DeviceDenseCost Upload(DeviceAccelerator device, GroundCost cost)
    {
        int n = cost.Rows, m = cost.Cols;
        var c = new float[n * m];
        var ct = new float[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                ct[j * n + i] = c[i * m + j] = (float)cost[i, j];
        DeviceBuffer<float> onDevice = device.Upload<float>(c);
        try { return new DeviceDenseCost(onDevice, device.Upload<float>(ct)); }
        catch { onDevice.Dispose(); throw; }
    }

    public void Dispose()
    {
        Cost.Dispose();
        Transposed.Dispose();
    }
}
