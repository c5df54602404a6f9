using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// The cluster as it runs on several machines (docs/deploy.md): Redis, three silos and the frontend each on a host of
/// its own, a network namespace with its own address on a private LAN, every process on the default ports, the
/// silos advertising their address and finding each other, and the frontend its gateways, through Redis membership.
/// The test talks to the frontend from a machine of its own on that LAN, and one silo's host dies mid-run.
/// </summary>
public sealed class AcrossHostsTests(ITestOutputHelper output) : IAsyncLifetime
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private const int Wave = 30;
    private const int Victim = 2;
    private const int FrontendPort = 5000;
    private const int RedisPort = 6379;
    private const int SiloPort = 11111;
    private const int MetricsPort = 9100;

    // Each message takes 3 s, so the victim is seen running some and still runs them when its host dies. Failure
    // detection and the lease are shortened so recovery fits a test; the mechanisms are the defaults'.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Processing__DelayMs"] = "3000",
        ["Streaming__LeaseSeconds"] = "4",
        ["Membership__ProbeTimeout"] = "00:00:01",
        ["Membership__NumMissedProbesLimit"] = "2",
    };

    private readonly string _logs = Path.Combine(ProcessCluster.RepositoryRoot, "artifacts", "test-results", "processes", "across-hosts");
    private VirtualNetwork _network = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        // First, so a machine where it cannot run says why before anything else fails.
        _network = await VirtualNetwork.CreateAsync();
        Directory.CreateDirectory(_logs);
        foreach (var log in Directory.EnumerateFiles(_logs, "*.log"))
        {
            File.Delete(log);
        }
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_network is not null)
        {
            await _network.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cluster_across_network_namespaces_loses_nothing_when_a_host_dies()
    {
        var clock = Stopwatch.StartNew();
        var silos = await StartClusterAsync();
        var siloNames = silos.Select(address => $"{address}:{SiloPort}").ToArray();
        var api = new ChatApi(_http);
        output.WriteLine($"cluster up after {clock.Elapsed.TotalSeconds:0.0} s: silos {string.Join(", ", siloNames)}");

        // Before the death: work spreads over all three hosts, and each host's metrics are scraped from another machine.
        var first = ChatApiBatchExtensions.NewIds("hosts-before", Wave);
        await SubmitAsync(api, first);
        var before = await WaitForCompletedAsync(api, first, TimeSpan.FromSeconds(60));
        Assert.Equal(siloNames.Order(), before.Select(r => r.Silo).Distinct().Order());
        foreach (var silo in silos)
        {
            // Each host ran some of the wave, so each times its backend calls; the completed counter is not the probe here,
            // because it is kept where a message's result grain lives, and placement may leave a host without one.
            await Eventually.Returns(
                () => _http.GetStringAsync(new Uri($"http://{silo}:{MetricsPort}/metrics")),
                metrics => metrics.Contains("chat_processing_duration_seconds_count{", StringComparison.Ordinal),
                $"silo {silo}'s metrics to time the backend calls it made");
        }

        // The death: once the victim runs some of a second wave, its host stops answering at all.
        var during = ChatApiBatchExtensions.NewIds("hosts-during", Wave);
        await SubmitAsync(api, during);
        var held = await Eventually.Returns(() => InFlightAsync(siloNames[Victim]), inFlight => inFlight > 0,
            $"silo {siloNames[Victim]} to run messages of the second wave", TimeSpan.FromSeconds(30));
        await _network.PullThePlugAsync($"silo-{Victim}");
        var diedAt = DateTimeOffset.UtcNow;
        output.WriteLine($"host of silo {siloNames[Victim]} removed after {clock.Elapsed.TotalSeconds:0.0} s, running {held}");

        // After it: submissions go on through the frontend while the cluster finds out.
        var after = ChatApiBatchExtensions.NewIds("hosts-after", Wave);
        await SubmitAsync(api, after);
        var all = first.Concat(during).Concat(after).ToArray();
        var outcomes = await WaitForCompletedAsync(api, all, TimeSpan.FromSeconds(60));
        output.WriteLine($"all completed after {clock.Elapsed.TotalSeconds:0.0} s; share: " +
                         string.Join(", ", outcomes.GroupBy(r => r.Silo).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")) +
                         $"; run again: {outcomes.Count(r => r.Attempts > 1)}");

        Assert.Equal([], outcomes.Where(r => r.Status != "completed" || r.Reply != ChatApiBatchExtensions.MessageFor(r.Id))
            .Select(r => $"{r.Id}: {r.Status} '{r.Reply}' after {r.Attempts} attempts"));
        // What the victim was running when it died ran again, on a host still alive; nothing completed on the dead one.
        Assert.Contains(outcomes, r => r.Attempts > 1);
        Assert.Equal([], outcomes.Where(r => r.Silo == siloNames[Victim] && r.CompletedAt > diedAt).Select(r => r.Id));
        await Eventually.Returns(HealthySilosAsync, count => count == 2, "the frontend to count 2 silos", TimeSpan.FromSeconds(30));
    }

    /// <summary>Redis, silo 0 (so it is the oldest), silos 1 and 2, then the frontend: each on its host, with only addresses to go by.</summary>
    private async Task<IPAddress[]> StartClusterAsync()
    {
        var redis = await _network.AddHostAsync("redis", 10);
        var silos = new IPAddress[3];
        for (var i = 0; i < silos.Length; i++)
        {
            silos[i] = await _network.AddHostAsync($"silo-{i}", 11 + i);
        }

        var frontend = await _network.AddHostAsync("frontend", 20);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _network.Start("redis", "redis-server",
            ["--bind", redis.ToString(), "--port", RedisPort.ToString(), "--requirepass", password, "--save", "", "--appendonly", "no", "--dir", _logs],
            new Dictionary<string, string>(), Path.Combine(_logs, "redis.log"), _logs);
        await Eventually.Returns(() => _network.ListensAsync("redis", RedisPort), up => up, $"redis-server on {redis}:{RedisPort}", TimeSpan.FromSeconds(20));

        var environment = new Dictionary<string, string>(Settings)
        {
            ["Cluster__Provider"] = "Redis",
            ["Cluster__ServiceId"] = $"across-hosts-{Guid.NewGuid():N}",
            ["Redis__ConnectionString"] = $"{redis}:{RedisPort},password={password}",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        for (var i = 0; i < silos.Length; i++)
        {
            StartDotnet($"silo-{i}", "Silo", [], new(environment)
            {
                ["Silo__AdvertisedAddress"] = silos[i].ToString(),
                ["Silo__ListenOnAnyAddress"] = "true",
            });
            if (i == 0)
            {
                await Eventually.Returns(() => _network.ListensAsync("silo-0", SiloPort), up => up, $"silo 0 on {silos[0]}:{SiloPort}", TimeSpan.FromSeconds(90));
            }
        }

        // A frontend that listens beyond loopback needs keys, and answers only the host names it is told are its own.
        // The key is an admin's: the test reads /cluster to see where work runs.
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        StartDotnet("frontend", "WebFrontend", ["--urls", $"http://{frontend}:{FrontendPort}"], new(environment)
        {
            ["Auth__Keys__client"] = key,
            ["Auth__AdminKeys"] = "client",
            ["Auth__PublicHost"] = frontend.ToString(),
        });
        // A proxy the machine may be configured with has no route to this LAN.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://{frontend}:{FrontendPort}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        await Eventually.Returns(HealthySilosAsync, count => count == silos.Length, $"the frontend on {frontend} to count {silos.Length} silos", TimeSpan.FromSeconds(90));
        return silos;
    }

    private void StartDotnet(string host, string project, string[] arguments, Dictionary<string, string> environment)
    {
        var directory = Path.Combine(ProcessCluster.RepositoryRoot, project, "bin", Configuration, "net10.0");
        var dll = Path.Combine(directory, $"{project}.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution in {Configuration} first.", dll);
        }

        _network.Start(host, "dotnet", [dll, .. arguments], environment, Path.Combine(_logs, $"{host}.log"), directory);
    }

    /// <summary>Submits every id, resubmitting under the same id after a 503 (safe by design) while the cluster recovers.</summary>
    private static async Task SubmitAsync(ChatApi api, IReadOnlyList<string> ids) =>
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
            await Eventually.Returns(async () =>
            {
                using var response = await api.Submit(ChatApiBatchExtensions.MessageFor(id), id);
                Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                    $"POST /chat for {id} answered {(int)response.StatusCode}");
                return response.StatusCode;
            }, status => status != HttpStatusCode.ServiceUnavailable, $"message {id} to be accepted", TimeSpan.FromSeconds(60)));

    private sealed record Outcome(string Id, string Status, string? Reply, int Attempts, string? Silo, DateTimeOffset? CompletedAt);

    /// <summary>Reads every message until all have completed or the time is up, and returns the last state of each.</summary>
    private static async Task<IReadOnlyList<Outcome>> WaitForCompletedAsync(ChatApi api, IReadOnlyList<string> ids, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var outcomes = new Outcome[ids.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                using var response = await api.GetResult(ids[i]);
                outcomes[i] = response.StatusCode == HttpStatusCode.OK
                    ? Parse(await ChatApi.Json(response))
                    : new Outcome(ids[i], $"HTTP {(int)response.StatusCode}", null, 0, null, null);
            });
            if (outcomes.All(o => o.Status == "completed") || deadline.Elapsed > timeout)
            {
                return outcomes;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static Outcome Parse(JsonElement result) => new(
        result.GetProperty("id").GetString()!,
        result.GetProperty("status").GetString()!,
        result.GetProperty("result").GetString(),
        result.GetProperty("attempts").GetInt32(),
        result.GetProperty("silo").GetString(),
        result.GetProperty("completedAt").ValueKind == JsonValueKind.Null ? null : result.GetProperty("completedAt").GetDateTimeOffset());

    /// <summary>The messages the silo runs now, as GET /cluster reports it; 0 while it is not listed.</summary>
    private async Task<int> InFlightAsync(string silo)
    {
        var cluster = await _http.GetFromJsonAsync<JsonElement>("/cluster");
        var mine = cluster.GetProperty("silos").EnumerateArray().FirstOrDefault(s => s.GetProperty("address").GetString() == silo);
        return mine.ValueKind == JsonValueKind.Object ? mine.GetProperty("inFlight").GetInt32() : 0;
    }

    /// <summary>The active silos GET /health counts; -1 while the frontend does not answer 200.</summary>
    private async Task<int> HealthySilosAsync()
    {
        try
        {
            using var response = await _http.GetAsync("/health");
            return response.IsSuccessStatusCode ? (await ChatApi.Json(response)).GetProperty("silos").GetInt32() : -1;
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }
}
