using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// <c>./run</c> as a user drives it, with real processes: on silo, gateway, frontend and Redis ports of the test's
/// own (so it cannot meet a user's ./run or another test), with its data under artifacts/test-results/run-script/.
/// ./run uses the Release build of Silo and WebFrontend, which the Release test build has just made; it builds
/// them itself when they are missing or older than a source.
/// </summary>
public sealed class RunScriptTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Durable_run_restarts_a_killed_frontend_and_silo_keeps_a_result_across_a_restart_without_rebuilding_and_stops_every_process_it_started()
    {
        var data = RunScript.FreshDataDirectory("durable");
        var id = $"run-script-{Guid.NewGuid():N}";
        var message = ChatApiBatchExtensions.MessageFor(id);
        var passwordFile = Path.Combine(data, "redis.password");
        string password;

        // --restart-silos: the frontend is started again whatever the options, a silo only with it.
        await using (var run = await RunScript.StartAsync(output, data, silos: 2, durable: true, options: ["--restart-silos"]))
        {
            Assert.Contains("--restart-silos", (await run.ScriptAsync(["--help"])).Output);
            Assert.Contains($"Mode: durable (Redis on 127.0.0.1:{run.RedisPort}", run.Output);
            await run.WaitForSilosAsync(2);
            var started = run.ProcessesStarted();
            Assert.Equal((2, 1, 1), (started.Count(p => p.Is("Silo.dll")), started.Count(p => p.Is("WebFrontend.dll")), started.Count(p => p.Is("redis-server"))));

            // Its Redis wants the password ./run generated, which only the owner may read and no command line shows.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(passwordFile));
            password = File.ReadAllText(passwordFile);
            Assert.Matches("^[0-9a-f]{40}$", password);
            Assert.Contains("NOAUTH", await RedisCliAsync(run.RedisPort, password: null, "ping"));
            Assert.Equal("PONG", (await RedisCliAsync(run.RedisPort, password, "ping")).Trim());
            Assert.DoesNotContain(started, process => process.CommandLine.Contains(password, StringComparison.Ordinal));
            Assert.DoesNotContain(password, run.Output, StringComparison.Ordinal);

            using (var response = await run.Api.Submit(message, id))
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            var completed = await run.Api.WaitForStatus(id, "completed");
            Assert.Equal(message, completed.GetProperty("result").GetString());

            // A killed frontend is started again while the silos keep running.
            var silos = run.ProcessesStarted().Where(p => p.Is("Silo.dll")).ToList();
            var frontend = Assert.Single(run.ProcessesStarted(), p => p.Is("WebFrontend.dll"));

            await RunScript.SignalAsync("KILL", frontend.Pid);
            var clock = Stopwatch.StartNew();

            // The new frontend is started while the silos run: it must reach them (/health, and /cluster through the
            // management grain) without being restarted itself.
            await run.WaitForSilosAsync(2);
            var afterFrontend = $"after-frontend-{Guid.NewGuid():N}";
            using (var response = await run.Api.Submit("still here?", afterFrontend))
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            Assert.Equal("still here?", (await run.Api.WaitForStatus(afterFrontend, "completed")).GetProperty("result").GetString());
            output.WriteLine($"frontend killed to message completed: {clock.Elapsed.TotalSeconds:0.0} s");
            // Measured: 6 s on a loaded 2-core machine (a .NET start, connecting, one message); 60 s is the bound.
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(60));

            var restarted = Assert.Single(run.ProcessesStarted(), p => p.Is("WebFrontend.dll"));
            Assert.NotEqual(frontend.Pid, restarted.Pid);
            Assert.Contains($"frontend (pid {frontend.Pid}) exited with status 137", run.Output);
            Assert.Contains($"frontend restarted (pid {restarted.Pid})", run.Output);
            Assert.Equal(silos.Select(p => p.ToString()), silos.Where(p => p.IsRunning()).Select(p => p.ToString()));
            Assert.Equal(silos.Select(p => p.Pid).Order(), run.ProcessesStarted().Where(p => p.Is("Silo.dll")).Select(p => p.Pid).Order());

            // Now a silo: killed, it is started again on its own port and rejoins.
            var killed = run.Pid("silo-1");
            Assert.NotEqual(0, killed);
            var killedAt = DateTimeOffset.UtcNow;
            await RunScript.SignalAsync("KILL", killed);

            // Back on its own port, a new process: GET /cluster lists it started after the kill, and active.
            var silo = $"127.0.0.1:{run.SiloPortBase + 1}";
            await Eventually.Returns(async () =>
            {
                using var response = await run.Http.GetAsync("/cluster");
                if (!response.IsSuccessStatusCode)
                {
                    return "";
                }

                var entry = (await ChatApi.Json(response)).GetProperty("silos").EnumerateArray().FirstOrDefault(s => s.GetProperty("address").GetString() == silo);
                return entry.ValueKind == JsonValueKind.Object && entry.GetProperty("startedAt").GetDateTimeOffset() > killedAt
                    ? entry.GetProperty("status").GetString()!
                    : "";
            }, status => status == "active", $"silo {silo} to be active again, started after the kill", TimeSpan.FromSeconds(90));
            await run.WaitForSilosAsync(2);

            var rejoined = run.Pid("silo-1");
            Assert.NotEqual(killed, rejoined);
            Assert.Contains($"silo-1 restarted (pid {rejoined})", run.Output);
            Assert.Equal(2, run.ProcessesStarted().Count(p => p.Is("Silo.dll")));
            var afterSilo = $"after-silo-{Guid.NewGuid():N}";
            using (var response = await run.Api.Submit("rejoined?", afterSilo))
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            Assert.Equal("rejoined?", (await run.Api.WaitForStatus(afterSilo, "completed")).GetProperty("result").GetString());

            // Ctrl-C at a terminal: every process it started stops, those it started again too.
            var restartedProcesses = run.ProcessesStarted();
            Assert.Equal(130, await run.StopAsync("INT"));
            Assert.Equal([], started.Concat(restartedProcesses).Where(p => p.IsRunning()).Select(p => p.ToString()));
        }

        // The same data folder: Redis reloads it, so the result is still there; and nothing changed, so no build.
        await using (var run = await RunScript.StartAsync(output, data, silos: 1, durable: true))
        {
            Assert.Contains("Not building: no source changed since ./run last built", run.Output);
            Assert.Equal(password, File.ReadAllText(passwordFile));
            var result = await run.Api.Result(id);
            Assert.Equal(("completed", message), (result.GetProperty("status").GetString(), result.GetProperty("result").GetString()));

            // Each start logged into a folder of its own; the second did not overwrite the first's logs.
            var logs = Path.Combine(data, "logs");
            var runs = RunScript.LogFolders(data);
            Assert.Equal(2, runs.Count);
            Assert.Equal(runs[1], new DirectoryInfo(Path.Combine(logs, "latest")).LinkTarget);
            Assert.Contains($"Logs           {Path.Combine(logs, runs[1])}", run.Output);
            Assert.Equal(
                [["frontend.log", "redis.log", "silo-0.log", "silo-1.log"], ["frontend.log", "redis.log", "silo-0.log"]],
                runs.Select(folder => Directory.GetFiles(Path.Combine(logs, folder)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()));
            Assert.Contains("Now listening on: http://127.0.0.1:", File.ReadAllText(Path.Combine(logs, runs[0], "frontend.log")));

            var started = run.ProcessesStarted();
            Assert.Equal(143, await run.StopAsync("TERM"));
            Assert.Equal([], started.Where(p => p.IsRunning()).Select(p => p.ToString()));
        }
    }

    [Fact]
    public async Task Add_silo_joins_the_running_cluster_on_its_ports_stop_silo_takes_it_out_and_kills_one_past_its_shutdown_limit()
    {
        // A source changed since the last build (its content did not): ./run builds.
        File.SetLastWriteTimeUtc(Path.Combine(ProcessCluster.RepositoryRoot, "WebFrontend", "wwwroot", "app.css"), DateTime.UtcNow);
        // Fast failure detection (passed through to every host), so the cluster soon stops waiting for a killed silo.
        Dictionary<string, string> membership = new() { ["Membership__ProbeTimeout"] = "00:00:01", ["Membership__NumMissedProbesLimit"] = "2" };
        // Metrics on for this cluster only: add-silo is not told the base, and must take the running cluster's.
        var metricsPortBase = FreePorts.Range(4, 19_000, 20_000);
        await using var run = await RunScript.StartAsync(
            output, RunScript.FreshDataDirectory("add-stop"), silos: 1, durable: false, new(membership) { ["Silo__MetricsPortBase"] = metricsPortBase.ToString() });
        Assert.Contains("Building Silo and WebFrontend (Release): ", run.Output);
        var primary = run.ProcessesStarted();

        var first = await run.AddSiloAsync(membership);
        var second = await run.AddSiloAsync(membership);
        Assert.Equal((1, 2), (first.Instance, second.Instance));
        // Tiered PGO is turned off for a process started while the cluster's processes (silos and frontend)
        // outnumber the cores, and left to the runtime otherwise: one silo and the frontend, then three processes, then four.
        static string PgoFor(int processes) => processes > Environment.ProcessorCount ? "0" : "unset";
        static string PgoOf(TrackedProcess process) => process.EnvironmentVariable("DOTNET_TieredPGO") ?? "unset";
        Assert.Equal(
            [PgoFor(2), PgoFor(2), PgoFor(3), PgoFor(4)],
            [PgoOf(TrackedProcess.Of(run.Pid("silo-0"))!), PgoOf(TrackedProcess.Of(run.Pid("frontend"))!), PgoOf(first.Process), PgoOf(second.Process)]);
        await run.WaitForSilosAsync(3);
        var logs = Path.Combine(run.Data, "logs", Assert.Single(RunScript.LogFolders(run.Data)));
        Assert.Equal(["frontend.log", "silo-0.log", "silo-1.log", "silo-2.log"],
            Directory.GetFiles(logs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var instance in new[] { first.Instance, second.Instance })
        {
            using var metrics = await run.Http.GetAsync($"http://127.0.0.1:{metricsPortBase + instance}/metrics");
            Assert.Contains("orleans_", await metrics.Content.ReadAsStringAsync());
        }

        var (status, text) = await run.ScriptAsync(["stop-silo", "2"]);
        Assert.Equal(0, status);
        Assert.Contains("silo 2 stopped", text);
        Assert.False(second.Process.IsRunning(), $"{second.Process} still runs after stop-silo");
        await run.WaitForSilosAsync(2);

        // A silo that cannot act on SIGTERM: stopped (SIGSTOP) until stop-silo kills it past its 1 s limit.
        var stuck = await run.AddSiloAsync(new(membership) { ["Silo__ShutdownTimeoutSeconds"] = "1" });
        await run.WaitForSilosAsync(3);
        await RunScript.SignalAsync("STOP", stuck.Process.Pid);
        var clock = Stopwatch.StartNew();
        (status, text) = await run.ScriptAsync(["stop-silo", stuck.Instance.ToString()]);

        Assert.Equal(1, status);
        Assert.Contains($"silo {stuck.Instance} (pid {stuck.Process.Pid}) did not stop within 11 s of SIGTERM; killing it (SIGKILL)", text);
        Assert.False(stuck.Process.IsRunning(), $"{stuck.Process} still runs after stop-silo");
        // 1 s limit + 10 s margin, and no more than a few seconds of polling beyond.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(20));
        await run.WaitForSilosAsync(2);

        // ./run stops what add-silo started too.
        Assert.Equal(143, await run.StopAsync("TERM"));
        Assert.Equal([], primary.Append(first.Process).Where(p => p.IsRunning()).Select(p => p.ToString()));
    }

    [Fact]
    public async Task A_frontend_that_keeps_exiting_is_given_up_on_and_the_run_stops()
    {
        await using var run = await RunScript.StartAsync(output, RunScript.FreshDataDirectory("frontend-gives-up"), silos: 1, durable: false);
        var started = run.ProcessesStarted();
        var pid = run.Pid("frontend");
        Assert.NotEqual(0, pid);
        for (var exit = 1; exit <= 5; exit++)
        {
            await RunScript.SignalAsync("KILL", pid);
            if (exit < 5)
            {
                var previous = pid;
                pid = await Eventually.Returns(() => Task.FromResult(run.Pid("frontend")), next => next != previous && next != 0,
                    $"./run to start frontend {exit + 1}", TimeSpan.FromSeconds(20));
                started = [.. started, .. run.ProcessesStarted()];
            }
        }

        // Five exits within 60 s: ./run stops everything it started and says why.
        Assert.Equal(1, await run.ExitAsync());
        Assert.Contains("error: the frontend exited 5 times within 60 s; not restarting it again, stopping the cluster", run.Output);
        Assert.Equal([], started.Where(p => p.IsRunning()).Select(p => p.ToString()));
    }

    /// <summary>
    /// Two ./run options in one cluster, as the suite's time is short: --fake-backend, and --co-hosted, where each silo
    /// serves the API and the page itself (no frontend process) and work sent to silo 0's URL alone still spreads.
    /// </summary>
    [Fact]
    public async Task Co_hosted_silos_each_serve_the_api_spread_work_from_one_url_and_messages_to_fake_are_answered_by_it()
    {
        var fakePort = FreePorts.Any();
        var clock = Stopwatch.StartNew();
        await using var run = await RunScript.StartAsync(output, RunScript.FreshDataDirectory("co-hosted-fake-backend"), silos: 2, durable: false,
            new() { ["FAKE_BACKEND_PORT"] = fakePort.ToString() }, ["--fake-backend", "--co-hosted"]);
        var port = run.Http.BaseAddress!.Port;
        Assert.Contains($"Cluster ready: 2 silos, each serving the web frontend (silo i on port {port}+i).", run.Output);
        Assert.Contains($"curl -X POST http://127.0.0.1:{fakePort}/fake/faults -H 'content-type: application/json' -d '{{\"fault\":\"rate-limited\",\"count\":5,\"retryAfterSeconds\":3}}'", run.Output);
        var started = run.ProcessesStarted();
        Assert.Equal((2, 0, 1), (started.Count(p => p.Is("Silo.dll")), started.Count(p => p.Is("WebFrontend.dll")), started.Count(p => p.Is("FakeChatBackend.dll"))));
        // With no frontend process, tiered PGO counts the silos alone.
        static string PgoFor(int processes) => processes > Environment.ProcessorCount ? "0" : "unset";
        Assert.Equal(PgoFor(2), TrackedProcess.Of(run.Pid("silo-0"))!.EnvironmentVariable("DOTNET_TieredPGO") ?? "unset");

        var id = $"fake-{Guid.NewGuid():N}";
        using (var response = await run.Api.Submit("hello fake", id, "fake"))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var answered = await run.Api.WaitForStatus(id, "completed");
        Assert.Equal(("fake-model says: hello fake", "fake", "fake-model"),
            (answered.GetProperty("result").GetString(), answered.GetProperty("backend").GetString(), answered.GetProperty("model").GetString()));

        // Echo stays the default, and messages all sent to silo 0's URL are processed on both silos.
        var ids = Enumerable.Range(0, 60).Select(i => $"echo-{i}-{Guid.NewGuid():N}").ToArray();
        foreach (var echo in ids)
        {
            using var response = await run.Api.Submit($"hello {echo}", echo);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var silos = new HashSet<string>(StringComparer.Ordinal);
        foreach (var echo in ids)
        {
            var done = await run.Api.WaitForStatus(echo, "completed");
            Assert.Equal(($"hello {echo}", "echo"), (done.GetProperty("result").GetString(), done.GetProperty("backend").GetString()));
            silos.Add(done.GetProperty("silo").GetString()!);
        }

        Assert.Equal([$"127.0.0.1:{run.SiloPortBase}", $"127.0.0.1:{run.SiloPortBase + 1}"], silos.Order(StringComparer.Ordinal));

        // Silo 1 serves the same API (whichever silo took the message), the page, and the backends with their caps.
        using var second = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port + 1}"), Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal("completed", (await new ChatApi(second).Result(id)).GetProperty("status").GetString());
        Assert.Contains("<html", await second.GetStringAsync("/"), StringComparison.OrdinalIgnoreCase);
        var backends = await ChatApi.Json(await second.GetAsync("/backends"));
        Assert.Equal([("echo", "echo", 0), ("fake", "openai", 4)],
            backends.EnumerateArray().Select(b => (b.GetProperty("name").GetString(), b.GetProperty("kind").GetString(), b.GetProperty("maxConcurrency").GetInt32())));

        // add-silo gives the new silo the next web port.
        var added = await run.AddSiloAsync();
        Assert.Equal(2, added.Instance);
        Assert.Equal(PgoFor(3), added.Process.EnvironmentVariable("DOTNET_TieredPGO") ?? "unset");
        using var third = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port + 2}"), Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.Returns(async () =>
        {
            try
            {
                using var response = await third.GetAsync("/health");
                return response.IsSuccessStatusCode ? (await ChatApi.Json(response)).GetProperty("silos").GetInt32() : -1;
            }
            catch (HttpRequestException)
            {
                return -1;  // Not listening yet: a silo opens its web port once it has joined.
            }
        }, count => count == 3, "the added silo's web port to report 3 silos", TimeSpan.FromSeconds(60));

        // A second ./run --fake-backend on otherwise free ports refuses the fake's port before starting anything.
        var ports = FreePorts.Range(2, 12_000, 19_000);
        var (status, text) = await run.ScriptAsync(
            ["--memory", "--silos", "1", "--port", FreePorts.Any().ToString(), "--fake-backend"],
            new() { ["FAKE_BACKEND_PORT"] = fakePort.ToString(), ["Silo__SiloPortBase"] = ports.ToString(), ["Silo__GatewayPortBase"] = (ports + 1).ToString() });
        Assert.Equal(1, status);
        Assert.Contains($"error: port {fakePort} on 127.0.0.1 is in use (another fake backend?)", text);

        Assert.Equal(143, await run.StopAsync("TERM"));
        Assert.Equal([], started.Append(added.Process).Where(p => p.IsRunning()).Select(p => p.ToString()));
        output.WriteLine($"start, 62 messages, a silo added and stop: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>redis-cli against a run's Redis, with the password as ./run gives it (REDISCLI_AUTH), or none; what it printed.</summary>
    private static async Task<string> RedisCliAsync(int port, string? password, params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-p", port.ToString(), .. command])
        {
            start.ArgumentList.Add(argument);
        }

        if (password is not null)
        {
            start.Environment["REDISCLI_AUTH"] = password;
        }

        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }

    /// <summary>One ./run (and the add-silo / stop-silo calls made on it), cleaned up whatever a test asserted.</summary>
    private sealed class RunScript : IAsyncDisposable
    {
        private static readonly string Script = Path.Combine(ProcessCluster.RepositoryRoot, "run");
        private readonly ITestOutputHelper _output;
        private readonly Dictionary<string, string> _environment;
        private readonly string _log;
        private readonly List<TrackedProcess> _started = [];
        private Process? _process;

        private RunScript(ITestOutputHelper output, string data, int siloPortBase, int gatewayPortBase, int port, int redisPort)
        {
            _output = output;
            Data = data;
            SiloPortBase = siloPortBase;
            GatewayPortBase = gatewayPortBase;
            RedisPort = redisPort;
            // One output file per start: a second ./run on the same data folder must not be taken as ready by the first's.
            _log = Path.Combine(data, $"run-{Directory.GetFiles(data, "run-*.out").Length + 1}.out");
            _environment = new()
            {
                ["RUN_DATA_DIR"] = data,
                ["REDIS_PORT"] = redisPort.ToString(),
                ["Silo__SiloPortBase"] = siloPortBase.ToString(),
                ["Silo__GatewayPortBase"] = gatewayPortBase.ToString(),
                // Off: every ./run's silos would otherwise take 9100 and up, whoever else runs on this machine.
                ["Silo__MetricsPortBase"] = "0",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            };
            Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        }

        public string Data { get; }

        public int SiloPortBase { get; }

        public int GatewayPortBase { get; }

        public int RedisPort { get; }

        public HttpClient Http { get; }

        public ChatApi Api => new(Http);

        /// <summary>What ./run printed so far.</summary>
        public string Output => File.Exists(_log) ? File.ReadAllText(_log) : "";

        /// <summary>The per-start log folders under the data folder's logs/, oldest first (logs/latest is a link, not one).</summary>
        public static IReadOnlyList<string> LogFolders(string data) =>
            new DirectoryInfo(Path.Combine(data, "logs")).GetDirectories()
                .Where(folder => folder.LinkTarget is null)
                .Select(folder => folder.Name)
                .Order(StringComparer.Ordinal)
                .ToArray();

        /// <summary>The PID ./run recorded for silo-I or the frontend; 0 while it is (re)writing the file.</summary>
        public int Pid(string name) =>
            int.TryParse(File.ReadAllText(Path.Combine(Data, "run", $"{name}.pid")), out var pid) ? pid : 0;

        /// <summary>Waits for ./run to exit on its own; its exit status.</summary>
        public async Task<int> ExitAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await _process!.WaitForExitAsync(limit.Token);
            _output.WriteLine(Output);
            return _process.ExitCode;
        }

        public static string FreshDataDirectory(string name)
        {
            var data = Path.Combine(ProcessCluster.RepositoryRoot, "artifacts", "test-results", "run-script", name);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }

            Directory.CreateDirectory(data);
            return data;
        }

        /// <summary>Starts ./run on free ports (room for add-silo above the first silos) and waits until it says it is ready.</summary>
        public static async Task<RunScript> StartAsync(
            ITestOutputHelper output, string data, int silos, bool durable, Dictionary<string, string>? environment = null, string[]? options = null)
        {
            // One range for every port, so none can fall among another's: silos, gateways and web ports (with
            // --co-hosted, one per silo) each with room for three added silos, then Redis.
            var room = silos + 3;
            var ports = FreePorts.Range(3 * room + 1, 12_000, 19_000);
            var run = new RunScript(output, data, ports, ports + room, ports + 2 * room, ports + 3 * room);
            foreach (var (key, value) in environment ?? [])
            {
                run._environment[key] = value;
            }

            try
            {
                string[] arguments = ["--silos", silos.ToString(), "--port", run.Http.BaseAddress!.Port.ToString(), .. durable ? Array.Empty<string>() : ["--memory"], .. options ?? []];
                run.Start(arguments);
                await Eventually.Returns(() => Task.FromResult(run.Output),
                    text => text.Contains("Cluster ready") || run._process!.HasExited,
                    "./run to say the cluster is ready", TimeSpan.FromMinutes(5));
                if (run._process!.HasExited)
                {
                    throw new InvalidOperationException($"./run exited with {run._process.ExitCode} before the cluster was ready:\n{run.Output}");
                }

                run._started.AddRange(TrackedProcess.DescendantsOf(run._process.Id));
                return run;
            }
            catch
            {
                await run.DisposeAsync();
                throw;
            }
        }

        /// <summary>Every process ./run started that still runs now that it is ready (its own children and theirs).</summary>
        public IReadOnlyList<TrackedProcess> ProcessesStarted() => TrackedProcess.DescendantsOf(_process!.Id);

        /// <summary>The silos GET /cluster lists, by address, in port order.</summary>
        private async Task<IReadOnlyList<string>> SiloAddressesAsync()
        {
            var cluster = await ChatApi.Json(await Http.GetAsync("/cluster"));
            return cluster.GetProperty("silos").EnumerateArray()
                .Select(silo => silo.GetProperty("address").GetString()!)
                .Order(StringComparer.Ordinal)
                .ToArray();
        }

        /// <summary>Waits until GET /health counts <paramref name="count"/> silos, and GET /cluster lists them on this run's first ports.</summary>
        public async Task WaitForSilosAsync(int count)
        {
            await Eventually.Returns(async () =>
            {
                try
                {
                    using var response = await Http.GetAsync("/health");
                    return response.IsSuccessStatusCode ? (await ChatApi.Json(response)).GetProperty("silos").GetInt32() : -1;
                }
                catch (HttpRequestException)
                {
                    return -1;  // The frontend is not listening (yet, or again).
                }
            }, silos => silos == count, $"GET /health to report {count} silos", TimeSpan.FromSeconds(90));
            var expected = string.Join(", ", Enumerable.Range(SiloPortBase, count).Select(port => $"127.0.0.1:{port}"));
            await Eventually.Returns(async () => string.Join(", ", await SiloAddressesAsync()), addresses => addresses == expected,
                $"GET /cluster to list the silos {expected}", TimeSpan.FromSeconds(30));
        }

        /// <summary>./run add-silo with this cluster's data folder (and extra environment); the silo it started.</summary>
        public async Task<(int Instance, TrackedProcess Process)> AddSiloAsync(Dictionary<string, string>? environment = null)
        {
            var (status, text) = await ScriptAsync(["add-silo"], environment);
            Assert.True(status == 0, $"add-silo failed ({status}): {text}");
            // "silo 1 started (pid 1234, port 12346)"
            var words = text.Trim().Split(' ', '(', ')', ',');
            var instance = int.Parse(words[1]);
            var pid = int.Parse(words[Array.IndexOf(words, "pid") + 1]);
            var process = TrackedProcess.Of(pid) ?? throw new InvalidOperationException($"silo {instance} (pid {pid}) is not running: {text}");
            _started.Add(process);
            return (instance, process);
        }

        /// <summary>Runs ./run with arguments to completion (two minutes at most); its exit status and output.</summary>
        public async Task<(int Status, string Output)> ScriptAsync(string[] arguments, Dictionary<string, string>? environment = null)
        {
            var start = new ProcessStartInfo(Script) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // The cluster's port bases are not passed on purpose: add-silo must use the running cluster's, metrics
            // included, over the 0 here (which keeps a ./run started this way off 9100, which may be taken).
            start.Environment["RUN_DATA_DIR"] = Data;
            start.Environment["Silo__MetricsPortBase"] = "0";
            // ./run's own choice is tested, not one inherited from whoever runs the tests.
            start.Environment.Remove("DOTNET_TieredPGO");
            foreach (var (key, value) in environment ?? [])
            {
                start.Environment[key] = value;
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(limit.Token);
            var text = await stdout + await stderr;
            _output.WriteLine($"./run {string.Join(' ', arguments)} -> {process.ExitCode}: {text}");
            return (process.ExitCode, text);
        }

        /// <summary>Signals ./run as a user would and waits for it to exit; its exit status.</summary>
        public async Task<int> StopAsync(string signal)
        {
            await SignalAsync(signal, _process!.Id);
            // Each process gets its shutdown limit (30 s) plus a 10 s margin; Redis after them.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await _process.WaitForExitAsync(limit.Token);
            _output.WriteLine(Output);
            return _process.ExitCode;
        }

        public static async Task SignalAsync(string signal, int pid)
        {
            using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
            await kill.WaitForExitAsync();
            Assert.True(kill.ExitCode == 0, $"kill -{signal} {pid} failed");
        }

        /// <summary>
        /// Stops ./run if it still runs, then kills (by PID) anything it or add-silo started that outlived it, so a
        /// failed assertion leaves no process behind.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            if (_process is { HasExited: false })
            {
                // Whatever it has started by now, in case it is stuck before it could say it was ready.
                _started.AddRange(TrackedProcess.DescendantsOf(_process.Id));
                await SignalAsync("TERM", _process.Id);
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
                try
                {
                    await _process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill();
                }
            }

            foreach (var process in _started.Where(p => p.IsRunning()))
            {
                _output.WriteLine($"killing leftover {process}");
                process.Kill();
            }

            _process?.Dispose();
            Http.Dispose();
        }

        private void Start(string[] arguments)
        {
            // The output goes to a file, not a pipe: the build servers a build leaves running would hold a pipe open.
            // SIGINT back to its default: a process started in the background may inherit it ignored, and a shell
            // cannot trap a signal ignored on entry; at a terminal it is never ignored.
            var start = new ProcessStartInfo("env") { WorkingDirectory = ProcessCluster.RepositoryRoot };
            foreach (var argument in (string[])["--default-signal=INT", "bash", "-c", "exec \"$0\" \"$@\" >\"$RUN_OUTPUT\" 2>&1", Script, .. arguments])
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment.Remove("DOTNET_TieredPGO");
            foreach (var (key, value) in _environment)
            {
                start.Environment[key] = value;
            }

            start.Environment["RUN_OUTPUT"] = _log;
            _process = Process.Start(start)!;
        }
    }

    /// <summary>A process as /proc shows it. Its start time tells it apart from a later process given the same PID.</summary>
    private sealed record TrackedProcess(int Pid, string StartTime, string CommandLine)
    {
        public static TrackedProcess? Of(int pid)
        {
            var stat = Stat(pid);
            if (stat is null || stat[0] == "Z")
            {
                return null;
            }

            try
            {
                return new TrackedProcess(pid, stat[19], File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim());
            }
            catch (IOException)
            {
                return null;
            }
        }

        /// <summary>The value of one variable in the environment the process was started with; null when it has none.</summary>
        public string? EnvironmentVariable(string name) =>
            File.ReadAllText($"/proc/{Pid}/environ").Split('\0').FirstOrDefault(entry => entry.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

        /// <summary>Every running process below <paramref name="root"/>: its children, theirs, and so on.</summary>
        public static IReadOnlyList<TrackedProcess> DescendantsOf(int root)
        {
            var parents = new Dictionary<int, int>();
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(directory), out var pid) && Stat(pid) is { } stat)
                {
                    parents[pid] = int.Parse(stat[1]);
                }
            }

            var found = new List<TrackedProcess>();
            var pending = new Queue<int>([root]);
            while (pending.TryDequeue(out var parent))
            {
                foreach (var child in parents.Where(entry => entry.Value == parent).Select(entry => entry.Key))
                {
                    pending.Enqueue(child);
                    if (Of(child) is { } process)
                    {
                        found.Add(process);
                    }
                }
            }

            return found;
        }

        public bool Is(string program) => CommandLine.Contains(program, StringComparison.Ordinal);

        /// <summary>Still this process, and not a zombie (which has exited and only waits for its parent).</summary>
        public bool IsRunning() => Stat(Pid) is { } stat && stat[0] != "Z" && stat[19] == StartTime;

        public void Kill()
        {
            try
            {
                if (IsRunning())
                {
                    using var process = Process.GetProcessById(Pid);
                    process.Kill();
                }
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                // It exited meanwhile.
            }
        }

        public override string ToString() => $"pid {Pid} ({CommandLine})";

        /// <summary>The fields of /proc/PID/stat after the command name: state, ppid, ... (start time is the 20th).</summary>
        private static string[]? Stat(int pid)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid}/stat");
                return text[(text.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
