// Learning rate as a function of the epoch (or step): step decay (torch's StepLR) and cosine
// annealing (Loshchilov and Hutter 2017, without restarts; torch's CosineAnnealingLR).
namespace OtNet.Optimizers;

/// <summary>Learning-rate schedules: steps and cosine.</summary>
public static class LearningRateSchedule
{
    /// <summary>initial gamma^floor(epoch / stepSize).</summary>
    public static double Step(double initial, int epoch, int stepSize, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        return initial * Math.Pow(gamma, epoch / stepSize);
    }

    /// <summary>minimum + (initial - minimum)(1 + cos(pi t / total)) / 2, held at minimum after total.</summary>
    public static double Cosine(double initial, int t, int total, double minimum = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        double fraction = Math.Min(t, total) / (double)total;
        return minimum + (initial - minimum) * (1 + Math.Cos(Math.PI * fraction)) / 2;
    }
}
