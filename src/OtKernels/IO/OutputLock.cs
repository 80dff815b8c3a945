// An exclusive claim on an output, so that two runs writing the same file or directory
// refuse instead of mixing their results. The claim is a lock file beside the output holding
// the owner's process id, host, start time and command line, and an OS lock on it (fcntl,
// released by the kernel when the process ends, even by kill -9). A second run finds the
// OS lock held and refuses, naming the owner; a lock file whose OS lock is free was left by
// a run that died, and is reported and taken over. Not a lock across machines: on a shared
// network file system the OS lock may not be honoured, and the owner's host is shown so
// that a person can tell.
using System.Text;

namespace OtKernels.IO;

/// <summary>The output is claimed by another live run.</summary>
public sealed class OutputLockedException(string message) : IOException(message);

/// <summary>One run per output: an fcntl lock with an owner record; a lock left by a killed run is taken over and reported.</summary>
public sealed class OutputLock : IDisposable
{
    // fcntl locks belong to a process, so a second claim from this process would succeed at
    // the OS level: claims held here are refused from this table first.
    private static readonly HashSet<string> HeldHere = new(StringComparer.Ordinal);

    private readonly FileStream _stream;

    private OutputLock(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Claims <paramref name="lockPath"/> (in an existing directory) for
    /// <paramref name="what"/>, named in the refusal; <paramref name="log"/> hears of a lock
    /// taken over from a run that died.</summary>
    /// <exception cref="OutputLockedException">Another live run holds it; the message names it.</exception>
    public static OutputLock Acquire(string lockPath, string what, Action<string>? log = null)
    {
        string path = System.IO.Path.GetFullPath(lockPath);
        lock (HeldHere)
        {
            if (!HeldHere.Add(path))
                throw new OutputLockedException($"{what} is being written by this process already (lock {path}).");
        }
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                string owner = ReadOwner(stream);
                try
                {
                    if (OperatingSystem.IsMacOS()) ThrowIfOwnerAlive(owner); // no fcntl lock through .NET there
                    else stream.Lock(0, 1);
                }
                catch (IOException)
                {
                    stream.Dispose();
                    throw new OutputLockedException($"{what} is being written by another run ({(owner.Length > 0 ? owner : "owner not yet recorded")}); "
                        + "wait for it to finish or stop it, then run again.");
                }
                // A run that released the file deletes it before unlocking: if our handle is
                // no longer the file at the path, claim the new one.
                if (!SameFile(path, stream) && attempt < 10)
                {
                    stream.Dispose();
                    continue;
                }
                byte[] record = Encoding.UTF8.GetBytes(Describe() + "\n");
                stream.SetLength(0);
                stream.Write(record);
                stream.Flush(flushToDisk: true);
                if (owner.Length > 0) log?.Invoke($"took over the lock of a run that ended without releasing it ({owner}).");
                return new OutputLock(path, stream);
            }
        }
        catch
        {
            lock (HeldHere) HeldHere.Remove(path);
            throw;
        }
    }

    /// <summary>Creates the output directory (AtomicFile.CreateDirectory) and claims it with
    /// DIR/.lock, for commands whose output is a directory of files.</summary>
    public static OutputLock ForDirectory(string directory, Action<string>? log = null)
    {
        string full = AtomicFile.CreateDirectory(directory);
        return Acquire(System.IO.Path.Combine(full, ".lock"), full, log);
    }

    /// <summary>Deletes the lock file, then releases the OS lock.</summary>
    public void Dispose()
    {
        try { File.Delete(Path); }
        finally
        {
            _stream.Dispose();
            lock (HeldHere) HeldHere.Remove(Path);
        }
    }

    private static string Describe() =>
        $"pid {Environment.ProcessId} on host {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z: {Environment.CommandLine}";

    private static void ThrowIfOwnerAlive(string owner)
    {
        string[] words = owner.Split(' ');
        if (words.Length > 4 && words[0] == "pid" && int.TryParse(words[1], out int pid) && words[4].TrimEnd(',') == Environment.MachineName)
        {
            try { using var process = System.Diagnostics.Process.GetProcessById(pid); throw new IOException("held"); }
            catch (ArgumentException) { } // no such process: the owner is gone
        }
    }

    private static string ReadOwner(FileStream stream)
    {
        stream.Position = 0;
        var buffer = new byte[4096];
        int read = stream.Read(buffer);
        stream.Position = 0;
        return Encoding.UTF8.GetString(buffer, 0, read).Trim();
    }

    /// <summary>Whether the path still names the file open in stream (compared by size and
    /// modification time, read without opening the path: opening and closing another handle
    /// would drop this process's fcntl lock).</summary>
    private static bool SameFile(string path, FileStream stream)
    {
        var info = new FileInfo(path);
        return info.Exists && info.Length == stream.Length
            && info.LastWriteTimeUtc == File.GetLastWriteTimeUtc(stream.SafeFileHandle);
    }
}
