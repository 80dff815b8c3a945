// The working memory of Sinkhorn solves, owned by the worker that runs them (one per thread
// of a batch, made once per batch) and reused from problem to problem, so that neither the
// iterations nor the problems allocate: the log-weights, the soft-min argument h, the next
// potentials, the marginal check's ratios, and the soft-mins' own scratch with the stored
// Gibbs kernel (SoftMinWorkspace).
using System.Numerics;
using OtKernels.Geometry;

namespace OtKernels.Entropic;

internal sealed class SinkhornWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _logA = [], _logB = [], _h = [], _fNext = [], _gNext = [], _ratio = [];
    private readonly T[][] _windows = [[], [], [], []];
    private readonly bool[][] _positive = [[], []];

    /// <summary>The soft-mins' scratch and the stored Gibbs kernel of the current stage.</summary>
    public SoftMinWorkspace<T> SoftMin { get; } = new();

    /// <summary>log a, with log 0 = -inf (zero weights drop out of every soft-min).</summary>
    public Span<T> LogA(ReadOnlySpan<T> a) => LogWeights(a, ref _logA);
    /// <summary>log b, as <see cref="LogA"/>.</summary>
    public Span<T> LogB(ReadOnlySpan<T> b) => LogWeights(b, ref _logB);
    /// <summary>The soft-min's argument, potential / eps + log-weights.</summary>
    public Span<T> H(int length) => SoftMinWorkspace<T>.Take(ref _h, length);
    /// <summary>The next source potential (the f update before it is accepted).</summary>
    public Span<T> FNext(int length) => SoftMinWorkspace<T>.Take(ref _fNext, length);
    /// <summary>The next target potential of an over-relaxed step.</summary>
    public Span<T> GNext(int length) => SoftMinWorkspace<T>.Take(ref _gNext, length);
    /// <summary>The row-marginal ratios of a convergence check.</summary>
    public Span<T> Ratio(int length) => SoftMinWorkspace<T>.Take(ref _ratio, length);

    /// <summary>A grid problem cropped to its windows (Sinkhorn.SolveCropped): slot 0 and 1
    /// hold the masses a and b inside them, 2 and 3 the potentials f and g.</summary>
    public Span<T> Window(int slot, int length) => SoftMinWorkspace<T>.Take(ref _windows[slot], length);

    /// <summary>Which weights are positive (slot 0 for a, 1 for b), in a reused array at least
    /// as long as the weights: the flags of a cropped grid problem (GridWindowCost).</summary>
    public bool[] Positive(int slot, ReadOnlySpan<T> weights)
    {
        if (_positive[slot].Length < weights.Length) _positive[slot] = new bool[weights.Length];
        bool[] flags = _positive[slot];
        for (int i = 0; i < weights.Length; i++) flags[i] = weights[i] > T.Zero;
        return flags;
    }

    private static Span<T> LogWeights(ReadOnlySpan<T> w, ref T[] buffer)
    {
        Span<T> log = SoftMinWorkspace<T>.Take(ref buffer, w.Length);
        for (int i = 0; i < w.Length; i++) log[i] = w[i] > T.Zero ? T.Log(w[i]) : T.NegativeInfinity;
        return log;
    }
}
