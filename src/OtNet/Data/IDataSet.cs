// What a training loop needs from data: a count and an example by index. Image classes,
// image pairs with their W2^2 (Courty et al. 2018) and point-cloud pairs (Frogner et al.
// 2019) all implement it; MiniBatches decides the order.
namespace OtNet.Data;

/// <summary>A data set of samples by index.</summary>
public interface IDataSet<out T>
{
    /// <summary>Samples in the set.</summary>
    int Count { get; }

    /// <summary>Sample index.</summary>
    T this[int index] { get; }
}
