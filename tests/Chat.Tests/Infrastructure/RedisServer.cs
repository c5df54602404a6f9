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

    private RedisServer(Process process, int port, string directory, bool persistent, string? password, bool tls)
    {
        _process = process;
        Port = port;
        _directory = directory;
        _persistent = persistent;
        Password = password;
        Tls = tls;
    }

    public int Port { get; }

    /// <summary>The password the server requires (<c>requirepass</c>), or null for none.</summary>
    public string? Password { get; }

    /// <summary>How every host of the cluster is told to reach this server, its password included.</summary>
    public string ConnectionString =>
        (Password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={Password}") + (Tls ? ",ssl=true" : "");

    /// <summary>Whether the server speaks only TLS, with the certificate of <see cref="CertificateAuthorityFile"/>'s authority.</summary>
    public bool Tls { get; }

    /// <summary>With <see cref="Tls"/>: the PEM of the authority that signed the server's certificate, for clients to trust.</summary>
    public string CertificateAuthorityFile => Path.Combine(_directory, "ca.crt");

    /// <param name="persistent">Keep an append-only file (written before each reply), so <see cref="Kill"/> loses nothing acknowledged.</param>
    /// <param name="password">Require this password (given in a config file, as ./run does, not on the command line).</param>
    /// <param name="tls">Serve TLS only, with a certificate for 127.0.0.1 signed by an authority made for this server.</param>
    public static async Task<RedisServer> StartAsync(bool persistent = false, string? password = null, bool tls = false)
    {
        var port = FreePorts.Any();
        var directory = Directory.CreateTempSubdirectory("chat-redis-").FullName;
        var config = new System.Text.StringBuilder();
        if (password is not null)
        {
            config.Append(System.Globalization.CultureInfo.InvariantCulture, $"requirepass {password}\n");
        }

        if (tls)
        {
            TestCertificates.WriteServerCertificate(directory, "127.0.0.1");
            config.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"tls-cert-file {directory}/server.crt\ntls-key-file {directory}/server.key\ntls-ca-cert-file {directory}/ca.crt\ntls-auth-clients no\n");
        }

        if (config.Length > 0)
        {
            File.WriteAllText(Path.Combine(directory, "redis.conf"), config.ToString());
        }

        var server = new RedisServer(Launch(port, directory, persistent, tls), port, directory, persistent, password, tls);
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
        _process = Launch(Port, _directory, _persistent, Tls);
        await WaitUntilListeningAsync();
    }

    private static Process Launch(int port, string directory, bool persistent, bool tls)
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

        string[] ports = tls ? ["--port", "0", "--tls-port", port.ToString()] : ["--port", port.ToString()];
        foreach (var argument in (string[])[.. ports, "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", persistent ? "yes" : "no", "--logfile", Path.Combine(directory, "redis.log")])
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
