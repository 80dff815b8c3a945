// The SHA-256 a shard's inputs travel with: the client computes it, the silo checks it, so
// inputs damaged or mixed up on the way are refused rather than computed.
using System.Security.Cryptography;

namespace OtKernels.Cluster;

internal static class WorkHash
{
    /// <summary>SHA-256 over first then second, lower-case hex.</summary>
    public static string Of(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(first);
        sha.AppendData(second);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
