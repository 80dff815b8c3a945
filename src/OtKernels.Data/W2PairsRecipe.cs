// What a W2-pairs data set (W2PairsDataSet) is made from, as its manifest.json records it:
// the same recipe draws the same pairs (MnistSplit.RandomPairs is pinned), so a directory
// whose manifest matches the asked recipe need not be made again.
using System.Globalization;
using System.Security.Cryptography;

namespace OtKernels.Data;

/// <summary>How a W2-pairs data set was drawn: the split the images come from, the seed of
/// <see cref="MnistSplit.RandomPairs"/>, the rows of train, valid and test, and the SHA-256
/// of the split's images. Two data sets with equal recipes hold the same pairs.</summary>
/// <param name="Split">The MNIST split the indices refer to (train or test).</param>
/// <param name="Seed">The seed of the pair draw.</param>
/// <param name="Sizes">Rows of train, valid and test, in that order.</param>
/// <param name="ImagesSha256">SHA-256 of the split's image bytes, lower-case hex.</param>
public sealed record W2PairsRecipe(string Split, int Seed, IReadOnlyList<int> Sizes, string ImagesSha256)
{
    /// <summary>Pairs in the data set: the sum of <see cref="Sizes"/>.</summary>
    public int Count => Sizes.Sum();

    /// <summary>The recipe of pairs drawn from images of a split with a seed.</summary>
    public static W2PairsRecipe For(MnistSplit images, string split, int seed, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(images);
        return new W2PairsRecipe(split, seed, sizes, Convert.ToHexStringLower(SHA256.HashData(images.Images)));
    }

    /// <summary>Whether two recipes draw the same pairs: every field equal, the sizes by value.</summary>
    public bool Equals(W2PairsRecipe? other) => other is not null && Split == other.Split && Seed == other.Seed
        && Sizes.SequenceEqual(other.Sizes) && ImagesSha256 == other.ImagesSha256;

    /// <summary>A hash consistent with <see cref="Equals(W2PairsRecipe?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Split, Seed, Count, ImagesSha256);

    /// <summary>The recipe as settings lines (key=value), the distances' part of it only when
    /// <paramref name="withSizes"/> is false: how the pairs are cut does not change them.</summary>
    public string Settings(bool withSizes) => string.Join("\n", Fields(withSizes).Select(f => $"{f.Key}={f.Value}"));

    internal IEnumerable<KeyValuePair<string, string>> Fields(bool withSizes)
    {
        yield return new("seed", Seed.ToString(CultureInfo.InvariantCulture));
        yield return new("split", Split);
        yield return new("count", Count.ToString(CultureInfo.InvariantCulture));
        if (withSizes) yield return new("sizes", string.Join(",", Sizes));
        yield return new("images_sha256", ImagesSha256);
    }
}
