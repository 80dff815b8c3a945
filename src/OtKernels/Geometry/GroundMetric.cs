namespace OtKernels.Geometry;

/// <summary>The ground metric between two points of R^d.</summary>
public enum GroundMetric
{
    /// <summary>|x - y|_2^2, the cost of W2^2.</summary>
    SqEuclidean,
    /// <summary>|x - y|_2, the cost of W1.</summary>
    Euclidean,
    /// <summary>(sum_k |x_k - y_k|^p)^(1/p), p &gt;= 1.</summary>
    Minkowski,
}
