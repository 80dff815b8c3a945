// A long job over items 0..count-1 whose results are CSV lines, run in shards. Each shard is
// written atomically to a work directory once computed, followed (atomically too) by a
// receipt holding its row count, SHA-256 and how many items the computation flagged (W2:
// pairs that stopped at the pivot limit, so that a resumed run still reports them); an interrupted run resumes with the shards whose
// receipts they match and recomputes, saying so, any shard that fails the check (a truncated
// or edited file, a missing receipt). The final file is assembled atomically only when every
// shard is proven, and each shard is checked again as it is copied. A manifest ties the
// shards to the job's inputs, so shards of a different job are never mixed in, and an
// OutputLock on the output keeps two runs from writing it at once. Shards are of one size,
// or of given sizes (the tiles of an all-pairs job, whose diagonal tiles hold fewer pairs).
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OtKernels.IO;

/// <summary>A shard's result lines, and how many of its items the computation flagged as
/// not proven (they are in the lines, but the run must not report success).</summary>
public sealed record ShardOutput(IReadOnlyList<string> Lines, int Flagged = 0);

/// <summary>A resumable job of CSV rows written in shards, each with a receipt (rows and SHA-256) that proves it before a resumed run skips it.</summary>
public sealed class ShardedJob
{
    private readonly string _output, _workDirectory, _fingerprint, _header, _shape;
    private readonly int _columns;
    private readonly long[] _starts; // shard s holds items _starts[s] .. _starts[s + 1] - 1; the job, 0 .. _starts[^1] - 1

    /// <param name="output">The final CSV file.</param>
    /// <param name="header">Its header line; every result line must have as many columns.</param>
    /// <param name="count">Number of items.</param>
    /// <param name="shardSize">Items per shard.</param>
    /// <param name="fingerprint">Identifies the job's inputs (files, options); shards left by
    /// a job with another fingerprint are discarded.</param>
    public ShardedJob(string output, string header, int count, int shardSize, string fingerprint)
        : this(output, header, FixedShards(count, shardSize), $"shard={shardSize}", fingerprint)
    {
    }

    /// <param name="output">The final CSV file.</param>
    /// <param name="header">Its header line; every result line must have as many columns.</param>
    /// <param name="shardLengths">Items in each shard, in order (each at least 1); the job's
    /// items are their sum.</param>
    /// <param name="fingerprint">Identifies the job's inputs (files, options); shards left by
    /// a job with another fingerprint or other shard lengths are discarded.</param>
    /// <exception cref="ArgumentOutOfRangeException">A shard length below 1, or more than
    /// int.MaxValue items in all.</exception>
    public ShardedJob(string output, string header, IReadOnlyList<int> shardLengths, string fingerprint)
        : this(output, header, Starts(shardLengths), $"shards={Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(',', shardLengths))))}", fingerprint)
    {
    }

    private ShardedJob(string output, string header, long[] starts, string shape, string fingerprint)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        ArgumentException.ThrowIfNullOrEmpty(header);
        ArgumentNullException.ThrowIfNull(fingerprint);
        _output = Path.GetFullPath(output);
        _workDirectory = _output + ".shards";
        _header = header;
        _columns = header.Split(',').Length;
        _starts = starts;
        _shape = shape;
        _fingerprint = fingerprint;
    }

    private static long[] FixedShards(int count, int shardSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        int shards = (int)(((long)count + shardSize - 1) / shardSize);
        var starts = new long[shards + 1];
        for (int s = 0; s <= shards; s++) starts[s] = Math.Min((long)s * shardSize, count);
        return starts;
    }

    private static long[] Starts(IReadOnlyList<int> shardLengths)
    {
        ArgumentNullException.ThrowIfNull(shardLengths);
        var starts = new long[shardLengths.Count + 1];
        for (int s = 0; s < shardLengths.Count; s++)
        {
            if (shardLengths[s] < 1)
                throw new ArgumentOutOfRangeException(nameof(shardLengths), shardLengths[s], $"shard {s} has {shardLengths[s]} items; each needs at least 1.");
            starts[s + 1] = starts[s] + shardLengths[s];
        }
        if (starts[^1] > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(shardLengths), starts[^1], $"the shards hold {starts[^1]} items; a job holds at most {int.MaxValue}.");
        return starts;
    }

    /// <summary>Shards the job is cut into.</summary>
    public int ShardCount => _starts.Length - 1;

    /// <summary>Where the shards and their receipts live.</summary>
    public string WorkDirectory => _workDirectory;

    /// <summary>The lock file that claims the output while the job runs.</summary>
    public string LockPath => _output + ".lock";

    /// <summary>Items in shards already done and verified (from an earlier, interrupted run).</summary>
    public int ResumedItems { get; private set; }

    /// <summary>Runs the job. <paramref name="computeShard"/>(start, length) returns the CSV
    /// lines of items start..start+length-1; <paramref name="progress"/> gets the number of
    /// items done so far after each shard; <paramref name="log"/> gets one line for each thing
    /// a user should know (a shard redone and why, discarded shards, a stale lock taken over).</summary>
    /// <exception cref="OutputLockedException">Another run is writing the same output.</exception>
    /// <exception cref="InvalidOperationException">computeShard returned the wrong number of
    /// lines, or a line with a line break or the wrong number of columns.</exception>
    public void Run(Func<int, int, IReadOnlyList<string>> computeShard, Action<int>? progress = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(computeShard);
        Run((start, length) => new ShardOutput(computeShard(start, length)), progress, log);
    }

    /// <summary>As the overload above, with items flagged by the computation; returns how
    /// many were flagged over all shards, resumed ones included.</summary>
    public int Run(Func<int, int, ShardOutput> computeShard, Action<int>? progress = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(computeShard);
        return RunAsync((start, length, _) => Task.FromResult(computeShard(start, length)), () => 1, progress, log).GetAwaiter().GetResult();
    }

    /// <summary>As <see cref="Run(Func{int, int, ShardOutput}, Action{int}?, Action{string}?)"/>, with up to
    /// <paramref name="concurrency"/>() shards computing at once (asked again whenever one
    /// finishes, so a cluster that grows gets more). Shards finish in any order; each is
    /// written with its receipt as it arrives, and the output is assembled in shard order,
    /// so it is the same file whatever the order. When a shard fails, no new one starts,
    /// the ones in flight are cancelled and waited for, and the first error is thrown.</summary>
    public async Task<int> RunAsync(Func<int, int, CancellationToken, Task<ShardOutput>> computeShard, Func<int> concurrency,
        Action<int>? progress = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(computeShard);
        ArgumentNullException.ThrowIfNull(concurrency);
        AtomicFile.CheckTarget(_output);
        using OutputLock claim = OutputLock.Acquire(LockPath, _output, log);
        PrepareWorkDirectory(log);
        int done = 0, flagged = 0;
        var pending = new Queue<int>();
        for (int s = 0; s < ShardCount; s++)
        {
            (string? problem, int shardFlagged) = Verify(s, File.Exists(ShardPath(s)) ? File.ReadAllBytes(ShardPath(s)) : null);
            if (problem is null) (done, flagged) = (done + ShardLength(s), flagged + shardFlagged);
            else
            {
                if (problem.Length > 0) log?.Invoke($"shard {s} ({ShardPath(s)}) {problem}; computing it again.");
                pending.Enqueue(s);
            }
        }
        ResumedItems = done;
        progress?.Invoke(done);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<Task<(int Rows, int Flagged)>>();
        try
        {
            while (pending.Count > 0 || inFlight.Count > 0)
            {
                while (pending.Count > 0 && inFlight.Count < Math.Max(1, concurrency()))
                    inFlight.Add(ComputeAndWrite(pending.Dequeue(), computeShard, stop.Token));
                Task<(int Rows, int Flagged)> finished = await Task.WhenAny(inFlight).ConfigureAwait(false);
                inFlight.Remove(finished);
                (int rows, int shardFlagged) = await finished.ConfigureAwait(false);
                done += rows;
                flagged += shardFlagged;
                progress?.Invoke(done);
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Their own errors (cancellations, mostly) are not the one to report.
            await ((Task)Task.WhenAll(inFlight)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        AtomicFile.Write(_output, stream =>
        {
            stream.Write(Encoding.UTF8.GetBytes(_header + "\n"));
            for (int s = 0; s < ShardCount; s++)
            {
                byte[] bytes = File.ReadAllBytes(ShardPath(s));
                if (Verify(s, bytes).Problem is not null)
                    throw new InvalidDataException($"{ShardPath(s)} changed while the output was assembled; run again to redo it.");
                stream.Write(bytes);
            }
        });
        Directory.Delete(_workDirectory, recursive: true);
        return flagged;
    }

    /// <summary>Computes shard s and writes it, then its receipt, each atomically.</summary>
    private async Task<(int Rows, int Flagged)> ComputeAndWrite(int s, Func<int, int, CancellationToken, Task<ShardOutput>> computeShard, CancellationToken cancellationToken)
    {
        ShardOutput output = await computeShard((int)_starts[s], ShardLength(s), cancellationToken).ConfigureAwait(false);
        CheckLines(s, output.Lines);
        byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(output.Lines.Select(l => l + "\n")));
        AtomicFile.Write(ShardPath(s), stream => stream.Write(bytes));
        AtomicFile.WriteAllText(ReceiptPath(s), Receipt(output.Lines.Count, bytes, output.Flagged));
        return (output.Lines.Count, output.Flagged);
    }

    private int ShardLength(int shard) => (int)(_starts[shard + 1] - _starts[shard]);

    private string ShardPath(int shard) => Path.Combine(_workDirectory, $"shard-{shard:D6}.csv");

    private string ReceiptPath(int shard) => ShardPath(shard) + ".done";

    private static string Receipt(int rows, byte[] bytes, int flagged) =>
        $"rows={rows.ToString(CultureInfo.InvariantCulture)}\nsha256={Convert.ToHexStringLower(SHA256.HashData(bytes))}\n"
        + $"flagged={flagged.ToString(CultureInfo.InvariantCulture)}\n";

    /// <summary>Problem null when the shard (its bytes, or null where there is no file) is
    /// proven complete, with the items its receipt flags; "" when it was never finished;
    /// otherwise what is wrong with it.</summary>
    private (string? Problem, int Flagged) Verify(int shard, byte[]? bytes)
    {
        if (bytes is null) return ("", 0);
        string receipt = ReceiptPath(shard);
        if (!File.Exists(receipt)) return ("has no receipt (written by an older version, or interrupted before it)", 0);
        string text = File.ReadAllText(receipt);
        int at = text.LastIndexOf("flagged=", StringComparison.Ordinal);
        if (at >= 0 && int.TryParse(text.AsSpan(at + 8).TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture, out int flagged)
            && text == Receipt(ShardLength(shard), bytes, flagged))
            return (null, flagged);
        int rows = bytes.Count(b => b == (byte)'\n');
        return ($"holds {rows} of {ShardLength(shard)} rows or differs from the SHA-256 in its receipt", 0);
    }

    private void CheckLines(int shard, IReadOnlyList<string> lines)
    {
        if (lines.Count != ShardLength(shard))
            throw new InvalidOperationException($"Shard {shard} produced {lines.Count} lines for {ShardLength(shard)} items.");
        for (int k = 0; k < lines.Count; k++)
        {
            string line = lines[k];
            if (line.Contains('\n') || line.Contains('\r') || line.Split(',').Length != _columns)
                throw new InvalidOperationException($"Shard {shard}, item {_starts[shard] + k}: '{line}' is not one row of {_columns} columns ({_header}).");
        }
    }

    private void PrepareWorkDirectory(Action<string>? log)
    {
        string manifest = Path.Combine(_workDirectory, "manifest");
        string expected = $"{_fingerprint}\ncount={_starts[^1]}\n{_shape}\n";
        if (Directory.Exists(_workDirectory) && (!File.Exists(manifest) || File.ReadAllText(manifest) != expected))
        {
            int shards = Directory.GetFiles(_workDirectory, "shard-*.csv").Length;
            if (shards > 0) log?.Invoke($"discarded {shards} shard(s) in {_workDirectory}: left by a job with other inputs or options.");
            Directory.Delete(_workDirectory, recursive: true);
        }
        Directory.CreateDirectory(_workDirectory);
        if (!File.Exists(manifest)) AtomicFile.WriteAllText(manifest, expected);
    }
}
