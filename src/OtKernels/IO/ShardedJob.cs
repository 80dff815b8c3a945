// A long job over items 0..count-1 whose results are CSV lines, run in shards: each shard
// is written atomically to a work directory once computed, so an interrupted run resumes
// at the first missing shard, and the final file is assembled (atomically) only when every
// shard exists. A manifest ties the shards to the job's inputs, so shards of a different
// job are never mixed in.
namespace OtKernels.IO;

public sealed class ShardedJob
{
    private readonly string _output, _workDirectory, _fingerprint, _header;
    private readonly int _count, _shardSize;

    /// <param name="output">The final CSV file.</param>
    /// <param name="header">Its header line.</param>
    /// <param name="count">Number of items.</param>
    /// <param name="shardSize">Items per shard.</param>
    /// <param name="fingerprint">Identifies the job's inputs (files, options); shards left by
    /// a job with another fingerprint are discarded.</param>
    public ShardedJob(string output, string header, int count, int shardSize, string fingerprint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        _output = Path.GetFullPath(output);
        _workDirectory = _output + ".shards";
        _header = header;
        _count = count;
        _shardSize = shardSize;
        _fingerprint = fingerprint;
    }

    public int ShardCount => (_count + _shardSize - 1) / _shardSize;

    public string WorkDirectory => _workDirectory;

    /// <summary>Items in shards already done (from an earlier, interrupted run).</summary>
    public int ResumedItems { get; private set; }

    /// <summary>Runs the job. <paramref name="computeShard"/>(start, length) returns the CSV
    /// lines of items start..start+length-1; <paramref name="progress"/> gets the number of
    /// items done so far after each shard.</summary>
    public void Run(Func<int, int, IReadOnlyList<string>> computeShard, Action<int>? progress = null)
    {
        PrepareWorkDirectory();
        int done = 0;
        var pending = new List<int>();
        for (int s = 0; s < ShardCount; s++)
        {
            if (File.Exists(ShardPath(s))) done += ShardLength(s);
            else pending.Add(s);
        }
        ResumedItems = done;
        progress?.Invoke(done);
        foreach (int s in pending)
        {
            IReadOnlyList<string> lines = computeShard(s * _shardSize, ShardLength(s));
            if (lines.Count != ShardLength(s))
                throw new InvalidOperationException($"Shard {s} produced {lines.Count} lines for {ShardLength(s)} items.");
            AtomicFile.WriteAllText(ShardPath(s), string.Join('\n', lines) + (lines.Count > 0 ? "\n" : ""));
            done += lines.Count;
            progress?.Invoke(done);
        }
        AtomicFile.Write(_output, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(_header + "\n");
            for (int s = 0; s < ShardCount; s++) writer.Write(File.ReadAllText(ShardPath(s)));
        });
        Directory.Delete(_workDirectory, recursive: true);
    }

    private int ShardLength(int shard) => Math.Min(_shardSize, _count - shard * _shardSize);

    private string ShardPath(int shard) => Path.Combine(_workDirectory, $"shard-{shard:D6}.csv");

    private void PrepareWorkDirectory()
    {
        string manifest = Path.Combine(_workDirectory, "manifest");
        string expected = $"{_fingerprint}\ncount={_count}\nshard={_shardSize}\n";
        if (Directory.Exists(_workDirectory) && (!File.Exists(manifest) || File.ReadAllText(manifest) != expected))
            Directory.Delete(_workDirectory, recursive: true);
        Directory.CreateDirectory(_workDirectory);
        if (!File.Exists(manifest)) AtomicFile.WriteAllText(manifest, expected);
    }
}
