// A cost matrix given in full: n x m doubles, row-major, owned by the caller.
namespace OtKernels.Geometry;

/// <summary>A dense row-major n x m cost matrix.</summary>
public sealed partial class DenseCost : GroundCost
{
    private readonly ReadOnlyMemory<double> _values;

    /// <param name="values">C[i * cols + j], every entry finite; not copied.</param>
    /// <param name="rows">n.</param>
    /// <param name="cols">m.</param>
    /// <exception cref="ArgumentException">A length mismatch or a non-finite entry, named by index.</exception>
    public DenseCost(ReadOnlyMemory<double> values, int rows, int cols) : base(rows, cols)
    {
        ThrowHelper.ThrowIfLengthMismatch(values.Length, rows * cols, nameof(values), $"a {rows} x {cols} cost");
        ThrowHelper.ThrowIfNotFinite(values.Span, nameof(values));
        _values = values;
    }

    public ReadOnlySpan<double> Values => _values.Span;

    public override double this[int i, int j] => _values.Span[i * Cols + j];

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
