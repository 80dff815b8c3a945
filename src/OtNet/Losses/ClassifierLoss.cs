// The losses a classifier of K classes trains with, on its logits and integer labels, each
// averaged over the batch with its gradient dL/dlogits: the cross-entropy, and the losses
// that know a ground metric on the labels (Martinez's lecture, "The Wasserstein distance as a
// loss function in deep learning"): the closed-form tree EMD and HEMD^rho of softmax(z)
// against the one-hot label (TreeEmdLoss; the chain of ordered classes is a tree), and
// Frogner et al. 2015's entropic Wasserstein loss under any label cost (WassersteinLoss).
using OtKernels.Autodiff.Losses;
using OtKernels.Entropic;
using OtKernels.Geometry;

namespace OtNet.Losses;

/// <summary>A loss on a classifier's logits [batch, K] against integer labels.</summary>
public abstract class ClassifierLoss
{
    /// <summary>The mean loss over the batch; writes dL/dlogits into gradient when given.</summary>
    /// <exception cref="ArgumentException">logits not [batch, K] for this loss's K, a label out of range; named.</exception>
    public double Compute(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradient = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Shape.Length != 2) throw new ArgumentException($"logits must be [batch, classes], not [{string.Join(", ", logits.Shape)}].", nameof(logits));
        if (labels.Length != logits.Batch) throw new ArgumentException($"labels has {labels.Length} entries for a batch of {logits.Batch}.", nameof(labels));
        if (Classes is int k && logits.Shape[1] != k) throw new ArgumentException($"logits has {logits.Shape[1]} classes; this loss's label space has {k}.", nameof(logits));
        gradient?.ThrowIfShapeIsNot(logits.Shape, nameof(gradient));
        for (int s = 0; s < labels.Length; s++)
            if ((uint)labels[s] >= (uint)logits.Shape[1]) throw new ArgumentOutOfRangeException(nameof(labels), $"labels[{s}] is {labels[s]}; classes are 0 to {logits.Shape[1] - 1}.");
        return Mean(logits, labels, gradient);
    }

    /// <summary>The classes of the label space, or null for any number (the cross-entropy).</summary>
    public abstract int? Classes { get; }

    /// <summary>Compute after the checks.</summary>
    protected abstract double Mean(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradient);

    /// <summary>One-hot rows [batch, K] of the labels.</summary>
    protected static float[] OneHot(ReadOnlySpan<int> labels, int classes)
    {
        var targets = new float[labels.Length * classes];
        for (int s = 0; s < labels.Length; s++) targets[s * classes + labels[s]] = 1;
        return targets;
    }
}

/// <summary>Softmax cross-entropy (CrossEntropy.FromLogits).</summary>
public sealed class CrossEntropyLoss : ClassifierLoss
{
    /// <inheritdoc/>
    public override int? Classes => null;

    /// <inheritdoc/>
    protected override double Mean(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradient) => CrossEntropy.FromLogits(logits, labels, gradient);

    /// <summary>The loss as a run's settings record it.</summary>
    public override string ToString() => "cross-entropy";
}

/// <summary>HEMD^rho(softmax(z), onehot(y)) on a label tree: the exact tree EMD at rho = 1,
/// the 1D EMD of ordered classes on LabelTree.Chain (TreeEmdLoss.FromLogits).</summary>
public sealed class TreeEmdClassifierLoss(LabelTree tree, double rho) : ClassifierLoss
{
    /// <summary>The label tree.</summary>
    public LabelTree Tree { get; } = tree ?? throw new ArgumentNullException(nameof(tree));
    /// <summary>The exponent rho &gt;= 1.</summary>
    public double Rho { get; } = rho >= 1 && double.IsFinite(rho) ? rho : throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be at least 1 and finite.");

    /// <inheritdoc/>
    public override int? Classes => Tree.Classes;

    /// <summary>The loss as a run's settings record it (the tree in its text format, one line).</summary>
    public override string ToString() => $"tree EMD rho={Rho.ToString(System.Globalization.CultureInfo.InvariantCulture)} tree={Tree.Format().Replace('\n', ';')}";

    /// <inheritdoc/>
    protected override double Mean(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradient)
    {
        int batch = logits.Batch, k = Tree.Classes;
        var losses = new double[batch];
        TreeEmdLoss.FromLogits(Tree, Rho, logits.Data, OneHot(labels, k), losses, gradient is null ? default : gradient.Data.AsSpan());
        if (gradient is not null) System.Numerics.Tensors.TensorPrimitives.Multiply(gradient.Data, 1f / batch, gradient.Data);
        return losses.Average();
    }
}

/// <summary>Frogner et al. 2015's Wasserstein loss OT_eps(softmax(z), onehot(y)) under a
/// label cost (WassersteinLoss, the envelope gradient of the converged Sinkhorn).</summary>
public sealed class WassersteinClassifierLoss : ClassifierLoss
{
    private readonly SinkhornOptions _options;

    /// <param name="labelCost">The K x K ground metric between labels.</param>
    /// <param name="epsilon">The regularisation, in the cost's unit.</param>
    public WassersteinClassifierLoss(DenseCost labelCost, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(labelCost);
        if (labelCost.Rows != labelCost.Cols) throw new ArgumentException($"The label cost must be square; it is {labelCost.Rows} x {labelCost.Cols}.", nameof(labelCost));
        if (!(epsilon > 0 && double.IsFinite(epsilon))) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive and finite.");
        LabelCost = labelCost;
        _options = new SinkhornOptions { Epsilon = epsilon, Tolerance = 1e-9, MaxIterations = 10_000 };
    }

    /// <summary>The ground metric between labels.</summary>
    public DenseCost LabelCost { get; }

    /// <inheritdoc/>
    public override int? Classes => LabelCost.Rows;

    /// <summary>The loss as a run's settings record it.</summary>
    public override string ToString() =>
        $"Wasserstein eps={_options.Epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)} cost={string.Join(",", LabelCost.Values.ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}";

    /// <inheritdoc/>
    protected override double Mean(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradient)
    {
        int batch = logits.Batch, k = LabelCost.Rows;
        var predictions = new double[batch * k];
        for (int s = 0; s < batch; s++) Logits.Softmax(logits.Sample(s), predictions.AsSpan(s * k, k), s);
        double[] targets = Array.ConvertAll(OneHot(labels, k), v => (double)v);
        var losses = new double[batch];
        var dLogits = gradient is null ? [] : new double[batch * k];
        WassersteinLoss.Compute(LabelCost, predictions, targets, _options, losses, default, dLogits);
        if (gradient is not null)
            for (int i = 0; i < dLogits.Length; i++) gradient.Data[i] = (float)(dLogits[i] / batch);
        return losses.Average();
    }
}

/// <summary>A loss on the label space plus weight times the cross-entropy, as Frogner et al.
/// 2015 trained their Wasserstein loss beside a KL term: the cross-entropy keeps every class's
/// logit moving while the ground-metric loss charges each mistake by its distance.</summary>
public sealed class WithCrossEntropyLoss : ClassifierLoss
{
    private readonly CrossEntropyLoss _crossEntropy = new();
    private Tensor? _scratch;

    /// <param name="loss">The loss on the label space.</param>
    /// <param name="weight">The cross-entropy's weight, positive.</param>
    public WithCrossEntropyLoss(ClassifierLoss loss, double weight)
    {
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        if (!(weight > 0 && double.IsFinite(weight))) throw new ArgumentOutOfRangeException(nameof(weight), weight, "The cross-entropy's weight must be positive and finite.");
        Weight = weight;
    }

    /// <summary>The loss on the label space.</summary>
    public ClassifierLoss Loss { get; }
    /// <summary>The cross-entropy's weight.</summary>
    public double Weight { get; }

    /// <inheritdoc/>
    public override int? Classes => Loss.Classes;

    /// <summary>The loss as a run's settings record it.</summary>
    public override string ToString() => $"{Loss} + {Weight.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} cross-entropy";

    /// <inheritdoc/>
    protected override double Mean(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradient)
    {
        double value = Loss.Compute(logits, labels, gradient);
        if (gradient is null) return value + Weight * _crossEntropy.Compute(logits, labels);
        if (_scratch is null || !_scratch.Shape.SequenceEqual(logits.Shape)) _scratch = new Tensor(logits.Shape);
        value += Weight * _crossEntropy.Compute(logits, labels, _scratch);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_scratch.Data, (float)Weight, gradient.Data, gradient.Data);
        return value;
    }
}
