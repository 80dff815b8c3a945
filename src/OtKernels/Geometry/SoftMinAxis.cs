namespace OtKernels.Geometry;

/// <summary>Which index a soft-min reduces over.</summary>
public enum SoftMinAxis
{
    /// <summary>result_i = -eps log sum_j exp(h_j - C_ij / eps): one value per source bin (the f update).</summary>
    OverColumns,
    /// <summary>result_j = -eps log sum_i exp(h_i - C_ij / eps): one value per target bin (the g update).</summary>
    OverRows,
}
