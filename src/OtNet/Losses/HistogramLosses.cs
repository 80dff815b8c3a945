// Losses between a prediction and a target of the same shape, averaged over the batch, each
// writing dL/d(prediction) when a gradient tensor is given (overwritten, not added).
//   MSE:      (1/B) sum_s sum_i (p - t)^2
//   KL:       (1/B) sum_s sum_i t_i log(t_i / p_i)   (terms with t_i = 0 are 0; Courty et al.
//             2018 eq. 2 reconstructs the input histogram x = t from psi(phi(x)) = p)
//   Sparsity: (1/B) sum_s sum_i p_i^(1/2)            (the l_p^p penalty of section 4.1, p = 1/2)
namespace OtNet.Losses;

/// <summary>Losses between histograms: mean squared error, KL divergence and the l_1/2 sparsity penalty.</summary>
public static class HistogramLosses
{
    /// <summary>The mean squared error over the batch; writes d/dprediction into gradient when given.</summary>
    public static double MeanSquaredError(Tensor prediction, Tensor target, Tensor? gradient = null)
    {
        CheckPair(prediction, target, gradient);
        double sum = 0, scale = 1.0 / prediction.Batch;
        for (int i = 0; i < prediction.Length; i++)
        {
            double d = (double)prediction.Data[i] - target.Data[i];
            sum += d * d;
            if (gradient is not null) gradient.Data[i] = (float)(2 * d * scale);
        }
        return sum * scale;
    }

    /// <exception cref="ArgumentException">A target entry is negative, or positive where the prediction is not.</exception>
    public static double KlDivergence(Tensor target, Tensor prediction, Tensor? gradient = null)
    {
        CheckPair(prediction, target, gradient);
        double sum = 0, scale = 1.0 / prediction.Batch;
        for (int i = 0; i < prediction.Length; i++)
        {
            double t = target.Data[i], p = prediction.Data[i];
            if (t < 0) throw new ArgumentException($"target[{i}] is {t}; a histogram is nonnegative.", nameof(target));
            if (t == 0)
            {
                if (gradient is not null) gradient.Data[i] = 0;
                continue;
            }
            if (!(p > 0)) throw new ArgumentException($"prediction[{i}] is {p} where the target has mass {t}: KL is infinite.", nameof(prediction));
            sum += t * Math.Log(t / p);
            if (gradient is not null) gradient.Data[i] = (float)(-t / p * scale);
        }
        return sum * scale;
    }

    /// <summary>(1/B) sum sqrt(p); its gradient 1/(2 sqrt p) is taken at max(p, 1e-12), since a
    /// softmax output that underflowed to 0 would otherwise get an infinite gradient.</summary>
    public static double SparsityPenalty(Tensor prediction, Tensor? gradient = null)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        gradient?.ThrowIfShapeIsNot(prediction.Shape, nameof(gradient));
        double sum = 0, scale = 1.0 / prediction.Batch;
        for (int i = 0; i < prediction.Length; i++)
        {
            double p = prediction.Data[i];
            if (p < 0) throw new ArgumentException($"prediction[{i}] is {p}; the penalty is for nonnegative outputs.", nameof(prediction));
            sum += Math.Sqrt(p);
            if (gradient is not null) gradient.Data[i] = (float)(0.5 / Math.Sqrt(Math.Max(p, 1e-12)) * scale);
        }
        return sum * scale;
    }

    private static void CheckPair(Tensor prediction, Tensor target, Tensor? gradient)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        target.ThrowIfShapeIsNot(prediction.Shape, nameof(target));
        gradient?.ThrowIfShapeIsNot(prediction.Shape, nameof(gradient));
    }
}
