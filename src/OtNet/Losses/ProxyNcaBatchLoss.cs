// ProxyNCA (Movshovitz-Attias, Toshev, Leung, Ioffe and Singh 2017), as Roth et al. 2020 train
// it: one learned proxy p_c per training class, and each sample x of class y is classified
// against the proxies by its squared distance, both x and the proxies on the sphere of radius
// s = 3:
//   L_x = s^2 D(x, p_y)^2 + log sum_{z != y} exp(-s^2 D(x, p_z)^2),
// averaged over the batch, D the distance between the unit-length embedding and the
// unit-length proxy (so s^2 D^2 is the distance on the sphere of radius s). The proxies enter
// the batch as extra rows (BatchMetricLoss.Proxies): the caller appends them, normalised,
// after the B samples, with their classes as labels.
namespace OtNet.Losses;

/// <summary>ProxyNCA: samples classified against one learned proxy per class.</summary>
public sealed class ProxyNcaBatchLoss : BatchMetricLoss
{
    private const double Scale = 3;
    private readonly Parameter _proxies;

    /// <summary>Proxies of dimension for the given classes, drawn from rng (normal entries).</summary>
    public ProxyNcaBatchLoss(int[] classes, int dimension, Random rng)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(rng);
        if (classes.Length < 2 || classes.Distinct().Count() != classes.Length)
            throw new ArgumentException($"ProxyNCA needs at least two distinct classes; got [{string.Join(", ", classes)}].", nameof(classes));
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Classes = [.. classes];
        _proxies = new Parameter("loss.proxies", classes.Length, dimension);
        for (int k = 0; k < _proxies.Value.Length; k++)
            _proxies.Value[k] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
    }

    /// <summary>The class of each proxy, in the order of the rows of <see cref="Proxies"/>.</summary>
    public int[] Classes { get; }
    /// <summary>The proxies [classes, dimension], before normalisation.</summary>
    public override Parameter Proxies => _proxies;
    /// <inheritdoc/>
    public override IReadOnlyList<int> ProxyLabels => Classes;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [_proxies];

    /// <inheritdoc/>
    protected override double Compute(ReadOnlySpan<double> distances, ReadOnlySpan<int> labels, Span<double> gradient, Random rng)
    {
        int rows = labels.Length, c = Classes.Length, b = rows - c;
        if (b < 1) throw new ArgumentException($"A batch of {rows} rows cannot hold the {c} proxies after its samples.", nameof(labels));
        for (int z = 0; z < c; z++)
            if (labels[b + z] != Classes[z]) throw new ArgumentException($"Row {b + z} should be the proxy of class {Classes[z]}, not {labels[b + z]}.", nameof(labels));
        double s2 = Scale * Scale, sum = 0;
        var logits = new double[c];
        for (int i = 0; i < b; i++)
        {
            int own = Array.IndexOf(Classes, labels[i]);
            if (own < 0) throw new ArgumentException($"Sample {i} has class {labels[i]}, which has no proxy.", nameof(labels));
            double top = double.NegativeInfinity;
            for (int z = 0; z < c; z++)
            {
                double d = distances[i * rows + b + z];
                logits[z] = -s2 * d * d;
                if (z != own) top = Math.Max(top, logits[z]);
            }
            double total = 0;
            for (int z = 0; z < c; z++) if (z != own) total += Math.Exp(logits[z] - top);
            sum += -logits[own] + top + Math.Log(total);
            for (int z = 0; z < c; z++)
            {
                double d = distances[i * rows + b + z];
                double slope = z == own ? 2 * s2 * d : -Math.Exp(logits[z] - top) / total * 2 * s2 * d;
                gradient[i * rows + b + z] += slope / b;
            }
        }
        return sum / b;
    }
}
