// What travels for one shard of an image-pairs job (`otk w2 mnist`, `otk dwe pairs`): the
// pixels of its pairs, not indices into a file, so a silo needs no copy of the data set;
// the engine version, so a silo of another build refuses rather than computing values that
// could differ in the last bits; and a SHA-256 of the pixels, which the silo checks.
namespace OtKernels.Cluster;

/// <summary>A shard of exact W2^2 between image pairs: image k of First against image k of
/// Second, each Height x Width bytes.</summary>
[GenerateSerializer, Immutable]
public sealed record ImagePairsWork(
    [property: Id(0)] string EngineVersion,
    [property: Id(1)] int Shard,
    [property: Id(2)] int Height,
    [property: Id(3)] int Width,
    [property: Id(4)] byte[] First,
    [property: Id(5)] byte[] Second,
    [property: Id(6)] string PixelsSha256)
{
    /// <summary>The work for a shard, stamped with this build's engine version and the pixels' hash.</summary>
    public static ImagePairsWork Create(int shard, int height, int width, byte[] first, byte[] second) =>
        new(OtKernels.Cluster.EngineVersion.Current, shard, height, width, first, second, Hash(first, second));

    /// <summary>SHA-256 over First then Second, lower-case hex.</summary>
    public static string Hash(byte[] first, byte[] second) => WorkHash.Of(first, second);
}

/// <summary>The values of a shard, how many pairs stopped at the pivot limit, and which
/// silo computed it (for the client's per-silo rates).</summary>
[GenerateSerializer, Immutable]
public sealed record ImagePairsReply(
    [property: Id(0)] double[] W2Squared,
    [property: Id(1)] int NotOptimal,
    [property: Id(2)] string Silo);
