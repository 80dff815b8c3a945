// Where a cluster is: the Redis server that holds its membership table, and the cluster's
// id within it. Silos and clients need nothing else: a client finds the silos' gateways in
// the table. Several clusters can share one Redis under different ids.
namespace OtKernels.Cluster;

/// <summary>A cluster: its Redis (host:port) and its id.</summary>
public sealed record ClusterAddress
{
    /// <summary>Orleans' service id for every OtKernels cluster (one Redis key prefix).</summary>
    public const string ServiceId = "otkernels";

    /// <summary>The cluster id silos and clients use when none is given.</summary>
    public const string DefaultClusterId = "otk";

    /// <param name="redis">host:port of the Redis server.</param>
    /// <param name="clusterId">The cluster's id (letters, digits, '-', '_', '.').</param>
    /// <exception cref="ArgumentException">redis is not host:port with a port in 1..65535, or
    /// the id is empty or holds other characters.</exception>
    public ClusterAddress(string redis, string clusterId = DefaultClusterId)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(clusterId);
        int colon = redis.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(redis.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"'{redis}' is not HOST:PORT (e.g. 127.0.0.1:6379).", nameof(redis));
        if (clusterId.Length == 0 || !clusterId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"cluster id '{clusterId}' must be non-empty letters, digits, '-', '_' or '.'.", nameof(clusterId));
        Redis = redis;
        ClusterId = clusterId;
    }

    /// <summary>host:port of the Redis server.</summary>
    public string Redis { get; }

    /// <summary>The cluster's id.</summary>
    public string ClusterId { get; }

}
