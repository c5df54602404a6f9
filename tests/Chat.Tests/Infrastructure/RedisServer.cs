using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A private redis-server on a free loopback port, started for the test run and stopped by its PID. A persistent
/// one keeps an append-only file, so it can be killed and started again with its data, as <c>./run</c>'s is.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly bool _persistent;
    private Process _process;

    private RedisServer(Process process, int port, string directory, bool persistent)
    {
        _process = process;
        Port = port;
        _directory = directory;
        _persistent = persistent;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="persistent">Keep an append-only file (written before each reply), so <see cref="Kill"/> loses nothing acknowledged.</param>
    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        var port = FreePorts.Any();
        var directory = Directory.CreateTempSubdirectory("chat-redis-").FullName;
        var server = new RedisServer(Launch(port, directory, persistent), port, directory, persistent);
        await server.WaitUntilListeningAsync();
        return server;
    }

    /// <summary>kill -9, as an operator's mistake or an out-of-memory killer would; clients see their connections drop.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts the server again after <see cref="KillAsync"/>: same port, same data directory.</summary>
    public async Task RestartAsync()
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException("redis-server is still running.");
        }

        _process.Dispose();
        _process = Launch(Port, _directory, _persistent);
        await WaitUntilListeningAsync();
    }

    private static Process Launch(int port, string directory, bool persistent)
    {
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", persistent ? "yes" : "no", "--logfile", Path.Combine(directory, "redis.log") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("redis-server not found: install Debian's 'redis-server' package (./test does when run as root).", exception);
        }
    }

    private Task WaitUntilListeningAsync() =>
        Eventually.Succeeds(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}.");
            }

            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
        }, $"redis-server to listen on 127.0.0.1:{Port}", TimeSpan.FromSeconds(20));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
