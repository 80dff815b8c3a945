// What the forward pass keeps for an Unrolled reverse pass: the potentials after every
// iteration (OTT's _iterations_taped; llm.c keeps its forward activations the same way).
// Memory is L (n + m) values; L is small in the settings that unroll (tens to hundreds).
// The iterates go into two flat buffers sized for the run's iteration limit when it begins
// and kept from run to run, so that recording allocates nothing per iteration.
using System.Numerics;

namespace OtKernels.Entropic;

/// <summary>The iterates (f_t, g_t), t = 1..L, of one Sinkhorn solve, and the epsilon they used.</summary>
public sealed class SinkhornTape<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _f = [], _g = [];
    private int _n, _m;

    /// <summary>Iterations recorded.</summary>
    public int Count { get; private set; }
    /// <summary>The regularisation of the recorded run.</summary>
    public double Epsilon { get; private set; }
    /// <summary>The marginal penalty of the recorded run (+infinity: balanced).</summary>
    public double MarginalPenalty { get; private set; } = double.PositiveInfinity;
    /// <summary>The source potentials after iteration t.</summary>
    public ReadOnlySpan<T> F(int t) => _f.AsSpan(Checked(t) * _n, _n);
    /// <summary>The target potentials after iteration t.</summary>
    public ReadOnlySpan<T> G(int t) => _g.AsSpan(Checked(t) * _m, _m);

    /// <summary>Starts a run of n x m at epsilon and rho, with room for iterations entries.</summary>
    internal void Begin(double epsilon, double marginalPenalty, int n, int m, int iterations)
    {
        (Epsilon, MarginalPenalty, _n, _m, Count) = (epsilon, marginalPenalty, n, m, 0);
        if (_f.Length < iterations * n) _f = new T[iterations * n];
        if (_g.Length < iterations * m) _g = new T[iterations * m];
    }

    internal void Record(ReadOnlySpan<T> f, ReadOnlySpan<T> g)
    {
        if ((Count + 1) * _n > _f.Length) Array.Resize(ref _f, Math.Max(2 * _f.Length, (Count + 1) * _n));
        if ((Count + 1) * _m > _g.Length) Array.Resize(ref _g, Math.Max(2 * _g.Length, (Count + 1) * _m));
        f.CopyTo(_f.AsSpan(Count * _n, _n));
        g.CopyTo(_g.AsSpan(Count * _m, _m));
        Count++;
    }

    private int Checked(int t) => (uint)t < (uint)Count ? t
        : throw new ArgumentOutOfRangeException(nameof(t), t, $"The tape holds iterations 0..{Count - 1}.");
}
