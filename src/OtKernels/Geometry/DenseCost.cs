// A cost matrix given in full: n x m doubles, row-major, owned by the caller.
namespace OtKernels.Geometry;

/// <summary>A dense row-major n x m cost matrix.</summary>
/// <remarks>The values are not copied (DESIGN: no hidden copies of caller buffers). They are
/// checked once, here: editing the caller's array afterwards (a NaN, say) bypasses that check
/// and the caches built from it, and is the caller's fault; build a new DenseCost instead.</remarks>
public sealed partial class DenseCost : GroundCost
{
    private readonly ReadOnlyMemory<double> _values;

    /// <param name="values">C[i * cols + j], every entry finite; not copied.</param>
    /// <param name="rows">n.</param>
    /// <param name="cols">m.</param>
    /// <exception cref="ArgumentException">A length mismatch or a non-finite entry, named by index.</exception>
    public DenseCost(ReadOnlyMemory<double> values, int rows, int cols) : base(rows, cols)
    {
        if ((long)rows * cols != values.Length)
            throw new ArgumentException($"values has length {values.Length} but a {rows} x {cols} cost requires {(long)rows * cols}.", nameof(values));
        ThrowHelper.ThrowIfNotFinite(values.Span, nameof(values));
        _values = values;
    }

    /// <summary>The matrix, row-major n x m.</summary>
    public ReadOnlySpan<double> Values => _values.Span;

    /// <inheritdoc/>
    public override double this[int i, int j] => _values.Span[i * Cols + j];

    /// <inheritdoc/>
    public override void FillSubmatrix(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<double> destination)
    {
        ThrowHelper.ThrowIfLengthMismatch(destination.Length, rows.Length * cols.Length, nameof(destination), "rows.Length * cols.Length");
        ReadOnlySpan<double> c = _values.Span;
        for (int r = 0; r < rows.Length; r++)
        {
            ReadOnlySpan<double> source = c.Slice(rows[r] * Cols, Cols);
            Span<double> row = destination.Slice(r * cols.Length, cols.Length);
            for (int k = 0; k < cols.Length; k++) row[k] = source[cols[k]];
        }
    }
}
