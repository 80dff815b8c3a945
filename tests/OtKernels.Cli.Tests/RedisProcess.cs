// A redis-server of a test's own: a free port on 127.0.0.1, no persistence, killed on Dispose.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OtKernels.Cli.Tests;

internal sealed class RedisProcess : IDisposable
{
    private Process? _process;

    /// <summary>The redis-server executable, or null where it is not installed.</summary>
    public static string? Executable =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    private int _port;

    /// <summary>Starts it and returns "127.0.0.1:PORT" once it accepts connections.</summary>
    public string Start() => StartOn(_port = FreePort());

    /// <summary>Kills it and starts a new, empty one on the same port (no persistence: the
    /// membership table is gone).</summary>
    public void Restart()
    {
        _process!.Kill();
        _process.WaitForExit();
        _process.Dispose();
        StartOn(_port);
    }

    private string StartOn(int port)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("redis-server is not installed."))
        { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return $"127.0.0.1:{port}";
            }
            catch (SocketException) when (clock.Elapsed.TotalSeconds < 20 && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_process is null) return;
        try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
