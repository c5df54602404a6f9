using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A cluster of real processes, as <c>./run</c> starts it: silo processes and a frontend process, all on loopback,
/// sharing a test's private redis-server (durable mode) or none (embedded mode). Stops only the processes it started, by their PID.
/// Each process's output goes to artifacts/test-results/processes/.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private readonly Dictionary<string, string> _environment;
    private readonly string _logDirectory;
    private readonly int _siloPortBase;
    private readonly int _gatewayPortBase;
    private readonly int _metricsPortBase;
    private readonly Process?[] _silos;
    private Process? _frontend;

    private ProcessCluster(int silos, Dictionary<string, string> environment, string logDirectory)
    {
        _silos = new Process?[silos];
        _environment = environment;
        _logDirectory = logDirectory;
        // One range for all three, so no port of one kind can fall among those of another.
        _siloPortBase = FreePorts.Range(3 * silos);
        _gatewayPortBase = _siloPortBase + silos;
        _metricsPortBase = _gatewayPortBase + silos;
    }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public ChatApi Api => new(Http);

    /// <summary>Durable mode with <paramref name="redis"/>; embedded mode (localhost membership, state in memory) without.</summary>
    public static async Task<ProcessCluster> StartAsync(string name, RedisServer? redis, int silos, IReadOnlyDictionary<string, string> settings)
    {
        var cluster = Create(name, redis, silos, settings);
        try
        {
            // Silo 0 first, the others once it listens: it is then the oldest silo, which tests rely on (it hosts
            // the cluster's singletons, and in embedded mode it is the primary).
            cluster.StartSilo(0);
            await cluster.WaitForSiloPortAsync(0, TimeSpan.FromSeconds(90));
            for (var i = 1; i < silos; i++)
            {
                cluster.StartSilo(i);
            }

            cluster.StartFrontend();
            await cluster.WaitForActiveSilosAsync(silos, TimeSpan.FromSeconds(90));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts only the frontend, as an operator might before any silo; <see cref="StartSilosAsync"/> starts the silos.</summary>
    public static ProcessCluster StartFrontendFirst(string name, RedisServer redis, int silos, IReadOnlyDictionary<string, string> settings)
    {
        var cluster = Create(name, redis, silos, settings);
        cluster.StartFrontend();
        return cluster;
    }

    private async Task WaitForSiloPortAsync(int instance, TimeSpan timeout) =>
        await Eventually.Returns(async () =>
        {
            if (_silos[instance] is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"Silo {instance} exited with code {exited.ExitCode}; see {_logDirectory}.");
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, _siloPortBase + instance);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, listening => listening, $"silo {instance} to listen on its silo port", timeout);

    /// <summary>Starts every silo not running yet and waits until the frontend sees them all active.</summary>
    public async Task StartSilosAsync()
    {
        for (var i = 0; i < _silos.Length; i++)
        {
            if (_silos[i] is null)
            {
                StartSilo(i);
            }
        }

        await WaitForActiveSilosAsync(_silos.Length, TimeSpan.FromSeconds(90));
    }

    private static ProcessCluster Create(string name, RedisServer? redis, int silos, IReadOnlyDictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["Cluster__Provider"] = redis is null ? "Localhost" : "Redis",
            ["Cluster__ServiceId"] = $"{name}-{Guid.NewGuid():N}",
            ["Cluster__ClusterId"] = name,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        if (redis is not null)
        {
            environment["Redis__ConnectionString"] = redis.ConnectionString;
        }

        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var logs = Path.Combine(RepositoryRoot, "artifacts", "test-results", "processes", name);
        Directory.CreateDirectory(logs);
        return new ProcessCluster(silos, environment, logs);
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The silo's process id, e.g. to tell a test's output which process was stopped.</summary>
    public int SiloPid(int instance) => _silos[instance]?.Id ?? throw new InvalidOperationException($"Silo {instance} is not running.");

    /// <summary>How results and GET /cluster name the silo: its silo endpoint.</summary>
    public string SiloEndpoint(int instance) => $"127.0.0.1:{_siloPortBase + instance}";

    /// <summary>Where clients reach the silo's gateway.</summary>
    public IPEndPoint GatewayEndpoint(int instance) => new(IPAddress.Loopback, _gatewayPortBase + instance);

    /// <summary>The silo's Prometheus scrape endpoint.</summary>
    public Uri SiloMetrics(int instance) => new($"http://127.0.0.1:{_metricsPortBase + instance}/metrics");

    /// <summary>kill -9: the silo gets no chance to hand anything back.</summary>
    public void KillSilo(int instance) => _silos[instance]!.Kill(entireProcessTree: false);

    /// <summary>kill -TERM: the silo stops as it would under systemd or docker stop.</summary>
    public void TerminateSilo(int instance)
    {
        using var kill = Process.Start("kill", ["-TERM", SiloPid(instance).ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM failed for silo {instance} (exit code {kill.ExitCode}).");
        }
    }

    public async Task<int> WaitForSiloExitAsync(int instance, TimeSpan timeout)
    {
        var process = _silos[instance]!;
        using var limit = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode;
    }

    /// <summary>Waits until the cluster's own view (GET /cluster) has exactly this many active silos.</summary>
    public Task WaitForActiveSilosAsync(int count, TimeSpan timeout) =>
        Eventually.Returns(async () =>
        {
            try
            {
                using var response = await Http.GetAsync("/health");
                return response.IsSuccessStatusCode ? (await ChatApi.Json(response)).GetProperty("silos").GetInt32() : -1;
            }
            catch (HttpRequestException)
            {
                return -1;  // The frontend is not listening yet.
            }
        }, silos => silos == count, $"{count} active silos", timeout);

    /// <summary>Waits until the frontend answers GET /health with 200: it reaches the cluster.</summary>
    public Task WaitForHealthyAsync(TimeSpan timeout) =>
        Eventually.Returns(async () =>
        {
            try
            {
                using var response = await Http.GetAsync("/health");
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return HttpStatusCode.ServiceUnavailable;  // The frontend is not listening yet.
            }
        }, status => status == HttpStatusCode.OK, "GET /health to answer 200", timeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _silos.Append(_frontend).OfType<Process>())
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        Http.Dispose();
    }

    private void StartSilo(int instance)
    {
        var dll = Path.Combine(RepositoryRoot, "Silo", "bin", Configuration, "net10.0", "Silo.dll");
        _silos[instance] = Start($"silo-{instance}", dll, [], new()
        {
            ["Silo__Instance"] = instance.ToString(),
            ["Silo__SiloPortBase"] = _siloPortBase.ToString(),
            ["Silo__GatewayPortBase"] = _gatewayPortBase.ToString(),
            ["Silo__MetricsPortBase"] = _metricsPortBase.ToString(),
        });
    }

    private void StartFrontend()
    {
        var port = FreePorts.Range(1);
        var dll = Path.Combine(RepositoryRoot, "WebFrontend", "bin", Configuration, "net10.0", "WebFrontend.dll");
        // Embedded mode has no membership store to find gateways in: the frontend is told them, as ./run does.
        var gateways = string.Join(',', Enumerable.Range(0, _silos.Length).Select(i => $"127.0.0.1:{_gatewayPortBase + i}"));
        // By the variable ASP.NET Core documents for it, as a container or a service unit would set it.
        _frontend = Start("frontend", dll, [], new() { ["Cluster__Gateways"] = gateways, ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        Http.BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    private Process Start(string name, string dll, string[] arguments, Dictionary<string, string> environment)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution in {Configuration} first.", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment.Concat(environment))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        var log = TextWriter.Synchronized(new StreamWriter(Path.Combine(_logDirectory, $"{name}.log")) { AutoFlush = true });
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) log.WriteLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) log.WriteLine(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Orleans.sln not found above the test binaries.");
    }
}
