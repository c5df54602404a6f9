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

    private RedisServer(Process process, int port, string directory, bool persistent, string? password)
    {
        _process = process;
        Port = port;
        _directory = directory;
        _persistent = persistent;
        Password = password;
    }

    public int Port { get; }

    /// <summary>The password the server requires (<c>requirepass</c>), or null for none.</summary>
    public string? Password { get; }

    /// <summary>How every host of the cluster is told to reach this server, its password included.</summary>
    public string ConnectionString => Password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={Password}";

    /// <param name="persistent">Keep an append-only file (written before each reply), so <see cref="Kill"/> loses nothing acknowledged.</param>
    /// <param name="password">Require this password (given in a config file, as ./run does, not on the command line).</param>
    public static async Task<RedisServer> StartAsync(bool persistent = false, string? password = null)
    {
        var port = FreePorts.Any();
        var directory = Directory.CreateTempSubdirectory("chat-redis-").FullName;
        if (password is not null)
        {
            File.WriteAllText(Path.Combine(directory, "redis.conf"), $"requirepass {password}\n");
        }

        var server = new RedisServer(Launch(port, directory, persistent), port, directory, persistent, password);
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
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // A config file, when there is one, comes first: redis-server reads it, then the options after it.
        var config = Path.Combine(directory, "redis.conf");
        if (File.Exists(config))
        {
            start.ArgumentList.Add(config);
        }

        foreach (var argument in (string[])["--port", port.ToString(), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", persistent ? "yes" : "no", "--logfile", Path.Combine(directory, "redis.log")])
        {
            start.ArgumentList.Add(argument);
        }

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
