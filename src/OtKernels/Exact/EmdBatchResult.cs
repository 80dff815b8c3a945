// The result of an exact OT batch in the shape every batch solver of the engine returns: one
// object for the batch, with per-problem arrays indexed by problem (Cost, Iterations, Status,
// as SinkhornResult has Value, Iterations, Status) and the problem's own result at [k] (its
// plan and duals here, as SinkhornResult.Plan(k) and FOf(k) there).
using System.Collections;

namespace OtKernels.Exact;

/// <summary>The results of <see cref="NetworkSimplex.SolveBatch(ReadOnlyMemory{double}, ReadOnlyMemory{double}, Geometry.GroundCost, EmdOptions?)"/>:
/// per problem k, <c>Cost[k]</c>, <c>Iterations[k]</c> and <c>Status[k]</c>, and
/// <c>this[k]</c>, the problem's full result (plan, dual potentials, certificate).</summary>
public sealed class EmdBatchResult : IReadOnlyList<EmdResult>
{
    private readonly EmdResult[] _results;

    internal EmdBatchResult(EmdResult[] results)
    {
        _results = results;
        Cost = Array.ConvertAll(results, r => r.Cost);
        Iterations = Array.ConvertAll(results, r => r.Iterations);
        Status = Array.ConvertAll(results, r => r.Status);
    }

    /// <summary>Problems in the batch.</summary>
    public int Batch => _results.Length;

    /// <summary>&lt;P, C&gt; of each problem.</summary>
    public double[] Cost { get; }

    /// <summary>Pivots each problem took.</summary>
    public int[] Iterations { get; }

    /// <summary>How each problem ended.</summary>
    public EmdStatus[] Status { get; }

    /// <summary>Problem k's result: its plan, dual potentials and certificate.</summary>
    public EmdResult this[int k] => _results[k];

    /// <summary>Problems in the batch (<see cref="Batch"/>).</summary>
    int IReadOnlyCollection<EmdResult>.Count => _results.Length;

    /// <summary>The problems' results in order.</summary>
    public IEnumerator<EmdResult> GetEnumerator() => ((IEnumerable<EmdResult>)_results).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
