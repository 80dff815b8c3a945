// Output files appear whole or not at all: write beside the target, then rename over it
// (a rename within one directory is atomic on POSIX file systems). An interrupted job never
// leaves a truncated file that a resumed job would mistake for a finished one.
namespace OtKernels.IO;

/// <summary>Writes that either complete or leave the previous file: a temporary file beside the target, renamed over it.</summary>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temporary file next to <paramref name="path"/>,
    /// flushes it to disk and renames it to <paramref name="path"/>. On any exception the
    /// temporary file is deleted and the target is left as it was. The directory must exist:
    /// a mistyped path is refused, not created.</summary>
    /// <exception cref="IOException">The target is a directory, its directory is missing or
    /// is a file, or it cannot be written; the message names the target, never the
    /// temporary file.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        // The structure is checked here; whether the directory takes files shows when the
        // temporary file is created (probing first would create every file twice).
        string full = Resolve(path);
        string directory = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || e is IOException && e.Message.Contains(temp, StringComparison.Ordinal))
        {
            File.Delete(temp);
            string why = e is UnauthorizedAccessException ? $"permission denied in {directory}" : e.Message.Replace(temp, full);
            throw new IOException($"Cannot write {full}: {why}", e);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Refuses, naming the target, what would fail later with the temporary file's
    /// name or succeed wrongly: a directory as the target, a missing directory, a file where
    /// a directory should be, a directory that takes no new files (probed with a throw-away
    /// file). Commands call it before long work; returns the full path.</summary>
    public static string CheckTarget(string path)
    {
        string full = Resolve(path);
        string directory = Path.GetDirectoryName(full)!;
        string probe = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.probe");
        try { using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { } }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e is UnauthorizedAccessException ? "permission denied" : e.Message.Replace(probe, directory).TrimEnd('.');
            throw new IOException($"Cannot write {full}: {directory} does not accept new files ({reason}).", e);
        }
        return full;
    }

    /// <summary>Creates the directory <paramref name="path"/> (and its parents, as a run
    /// directory is expected to appear) unless a file stands in the way, which is refused by
    /// name. Returns the full path.</summary>
    public static string CreateDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new IOException($"Cannot use {full} as a directory: it is a file.");
        ThrowIfFileInTheWay(full, Path.GetDirectoryName(full));
        Directory.CreateDirectory(full);
        return full;
    }

    /// <summary>The full path of a file target whose directory exists and which is not itself a directory.</summary>
    private static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (Directory.Exists(full)) throw new IOException($"Cannot write {full}: it is a directory.");
        if (Directory.Exists(directory)) return full;
        ThrowIfFileInTheWay(full, directory);
        throw new DirectoryNotFoundException($"Cannot write {full}: the directory {directory} does not exist.");
    }

    /// <summary>Refuses a file at <paramref name="directory"/> or any of its ancestors, naming the target.</summary>
    private static void ThrowIfFileInTheWay(string target, string? directory)
    {
        for (string? up = directory; up is not null; up = Path.GetDirectoryName(up))
        {
            if (File.Exists(up)) throw new IOException($"Cannot write {target}: {up} is a file, not a directory.");
        }
    }

    /// <summary>Writes contents to path atomically (UTF-8).</summary>
    public static void WriteAllText(string path, string contents) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(contents); });
}
