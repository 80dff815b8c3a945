// Output files appear whole or not at all: write beside the target, then rename over it
// (a rename within one directory is atomic on POSIX file systems). An interrupted job never
// leaves a truncated file that a resumed job would mistake for a finished one.
namespace OtKernels.IO;

public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temporary file next to <paramref name="path"/>,
    /// flushes it to disk and renames it to <paramref name="path"/>. On any exception the
    /// temporary file is deleted and the target is left as it was.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
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
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string contents) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(contents); });
}
