// What the forward pass keeps for an Unrolled reverse pass: the potentials after every
// iteration (OTT's _iterations_taped; llm.c keeps its forward activations the same way).
// Memory is L (n + m) values; L is small in the settings that unroll (tens to hundreds).
using System.Numerics;

namespace OtKernels.Entropic;

/// <summary>The iterates (f_t, g_t), t = 1..L, of one Sinkhorn solve, and the epsilon they used.</summary>
public sealed class SinkhornTape<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<T[]> _f = [], _g = [];

    /// <summary>Iterations recorded.</summary>
    public int Count => _f.Count;
    /// <summary>The regularisation of the recorded run.</summary>
    public double Epsilon { get; internal set; }
    /// <summary>The source potentials after iteration t.</summary>
    public ReadOnlySpan<T> F(int t) => _f[t];
    /// <summary>The target potentials after iteration t.</summary>
    public ReadOnlySpan<T> G(int t) => _g[t];

    internal void Clear() { _f.Clear(); _g.Clear(); }

    internal void Record(ReadOnlySpan<T> f, ReadOnlySpan<T> g)
    {
        _f.Add(f.ToArray());
        _g.Add(g.ToArray());
    }
}
