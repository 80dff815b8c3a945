// Clipping by the global L2 norm of all gradients (torch.nn.utils.clip_grad_norm_): if the
// norm exceeds maxNorm, every gradient is scaled by maxNorm / norm, keeping the direction.
namespace OtNet.Optimizers;

/// <summary>Gradient clipping by the global norm.</summary>
public static class GradientClipping
{
    /// <summary>Returns the norm before clipping.</summary>
    public static double ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be positive.");
        Parameter[] all = parameters.ToArray();
        double sum = 0;
        foreach (Parameter p in all) foreach (float g in p.Gradient) sum += (double)g * g;
        double norm = Math.Sqrt(sum);
        if (norm > maxNorm)
        {
            float scale = (float)(maxNorm / norm);
            foreach (Parameter p in all) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Gradient, scale, p.Gradient);
        }
        return norm;
    }
}
