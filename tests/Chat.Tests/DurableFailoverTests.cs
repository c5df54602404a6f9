using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// Durable mode with real processes: three silos and a frontend on a private redis-server, 2,000 messages at a
/// steady rate, and one silo stopped mid-run, by kill -9 or by SIGTERM.
/// </summary>
public sealed class DurableFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Messages = 2000;
    private const int RatePerSecond = 250;
    private const int Victim = 2;

    // Fast failure detection and a short lease, so recovery fits a test; the mechanisms are the defaults'.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Processing__DelayMs"] = "500",
        ["Streaming__LeaseSeconds"] = "4",
        ["Membership__ProbeTimeout"] = "00:00:01",
        ["Membership__NumMissedProbesLimit"] = "2",
        ["Silo__ShutdownTimeoutSeconds"] = "30",
    };

    // Between rounds of reading every message not completed yet.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Every_accepted_message_completes_after_a_silo_is_killed()
    {
        await using var cluster = await ProcessCluster.StartAsync("kill-9", _redis, silos: 3, Settings);
        var run = await SubmitSteadilyAsync(cluster, () => cluster.KillSilo(Victim));

        var results = await WaitForOutcomesAsync(cluster, run.Accepted);
        var report = Report("kill -9", run, results);

        AssertNothingUnacceptedOrLost(run, results);
        AssertEveryReplyRight(results);
        // Some of what the victim was running when killed ran again elsewhere; the rest it had not started.
        Assert.True(results.Any(r => r.Attempts > 1), $"no message the killed silo was running ran again. {report}");
        await cluster.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_silo_stopped_with_sigterm_loses_nothing_and_runs_nothing_twice()
    {
        await using var cluster = await ProcessCluster.StartAsync("sigterm", _redis, silos: 3, Settings);
        var run = await SubmitSteadilyAsync(cluster, () => cluster.TerminateSilo(Victim));

        var results = await WaitForOutcomesAsync(cluster, run.Accepted);
        Report("SIGTERM", run, results);

        AssertNothingUnacceptedOrLost(run, results);
        AssertEveryReplyRight(results);
        Assert.Equal([], results.Where(r => r.Attempts != 1).Select(r => $"{r.Id}: {r.Attempts} attempts"));
        Assert.Equal(0, await cluster.WaitForSiloExitAsync(Victim, TimeSpan.FromSeconds(60)));
    }

    /// <summary>
    /// What the submitting client saw (accepted, and never accepted despite resubmitting), and the victim's
    /// load (running + waiting) when it was stopped.
    /// </summary>
    private sealed record Run(IReadOnlyList<string> Accepted, IReadOnlyList<string> Unaccepted, int Retried503, IReadOnlyList<TimeSpan> SubmitTimes, TimeSpan Duration, TimeSpan StoppedAfter, DateTimeOffset StoppedAt, VictimLoad VictimHeld);

    /// <summary>What the victim last reported before it was stopped: attempts running, and messages received but not started.</summary>
    private sealed record VictimLoad(int Running, int Waiting);

    /// <summary>An accepted message's last known state; <see cref="Status"/> "missing" if the cluster no longer knows it.</summary>
    private sealed record Outcome(string Id, string Status, string? Reply, int Attempts, string? Silo, DateTimeOffset? CompletedAt);

    /// <summary>
    /// Submits at a fixed rate, each message on its own task. From a quarter of the way in, stops the victim
    /// as soon as the cluster reports it running at least 10 messages, so it dies holding work.
    /// </summary>
    private static async Task<Run> SubmitSteadilyAsync(ProcessCluster cluster, Action stopVictim)
    {
        var ids = ChatApiBatchExtensions.NewIds("failover", Messages);
        var accepted = new ConcurrentBag<string>();
        var unaccepted = new ConcurrentBag<string>();
        var submitTimes = new ConcurrentBag<TimeSpan>();
        var retried = 0;
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>(Messages);
        Task<(TimeSpan After, DateTimeOffset At, VictimLoad Held)>? stopping = null;
        for (var i = 0; i < Messages; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)RatePerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            if (i == Messages / 4)
            {
                stopping = StopWhenBusyAsync(cluster, stopVictim, clock);
            }

            var id = ids[i];
            sends.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.StartNew();
                // A client told 503 resubmits under the same id once the frontend reaches the cluster again;
                // that is safe by design.
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    using var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(id), id);
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                    {
                        submitTimes.Add(sent.Elapsed);
                        accepted.Add(id);
                        return;
                    }

                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    Interlocked.Increment(ref retried);
                    await cluster.WaitForHealthyAsync(TimeSpan.FromSeconds(60));
                }

                unaccepted.Add(id);
            }));
        }

        await Task.WhenAll(sends);
        var (after, at, held) = await stopping!;
        return new Run(accepted.ToArray(), unaccepted.ToArray(), retried, submitTimes.Order().ToArray(), clock.Elapsed, after, at, held);
    }

    private static async Task<(TimeSpan After, DateTimeOffset At, VictimLoad Held)> StopWhenBusyAsync(ProcessCluster cluster, Action stopVictim, Stopwatch clock)
    {
        var victim = cluster.SiloEndpoint(Victim);
        var load = await Eventually.Returns(async () =>
        {
            var silos = (await ChatApi.Json(await cluster.Http.GetAsync("/cluster"))).GetProperty("silos").EnumerateArray();
            var mine = silos.FirstOrDefault(silo => silo.GetProperty("address").GetString() == victim);
            return mine.ValueKind == JsonValueKind.Object
                ? new VictimLoad(mine.GetProperty("inFlight").GetInt32(), mine.GetProperty("pending").GetInt32())
                : new VictimLoad(0, 0);
        }, held => held.Running >= 10, $"silo {victim} to run 10 messages", TimeSpan.FromSeconds(60));
        stopVictim();
        return (clock.Elapsed, DateTimeOffset.UtcNow, load);
    }

    /// <summary>
    /// Polls every accepted message until all have completed or none has changed for a minute; what has not
    /// completed by then is lost, and reported with the state it was left in.
    /// </summary>
    private static async Task<IReadOnlyList<Outcome>> WaitForOutcomesAsync(ProcessCluster cluster, IReadOnlyList<string> ids)
    {
        var outcomes = new ConcurrentDictionary<string, Outcome>();
        var outstanding = ids.ToList();
        var lastProgress = Stopwatch.StartNew();
        while (outstanding.Count > 0 && lastProgress.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Parallel.ForEachAsync(outstanding, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
            {
                using var response = await cluster.Api.GetResult(id);
                outcomes[id] = response.StatusCode == HttpStatusCode.NotFound
                    ? new Outcome(id, "missing", null, 0, null, null)
                    : Parse(await ChatApi.Json(response));
            });
            var left = outstanding.Where(id => outcomes[id].Status != "completed").ToList();
            if (left.Count < outstanding.Count)
            {
                lastProgress.Restart();
            }

            outstanding = left;
            if (outstanding.Count > 0)
            {
                await Task.Delay(PollInterval);
            }
        }

        return ids.Select(id => outcomes[id]).ToArray();
    }

    private static Outcome Parse(JsonElement result) => new(
        result.GetProperty("id").GetString()!,
        result.GetProperty("status").GetString()!,
        result.GetProperty("result").GetString(),
        result.GetProperty("attempts").GetInt32(),
        result.GetProperty("silo").GetString(),
        result.GetProperty("completedAt").ValueKind == JsonValueKind.Null ? null : result.GetProperty("completedAt").GetDateTimeOffset());

    private static IEnumerable<Outcome> Lost(IReadOnlyList<Outcome> results) => results.Where(r => r.Status != "completed");

    /// <summary>Every message was accepted (after resubmitting on 503), and every accepted one completed.</summary>
    private static void AssertNothingUnacceptedOrLost(Run run, IReadOnlyList<Outcome> results)
    {
        Assert.Equal([], run.Unaccepted);
        Assert.Equal(Messages, run.Accepted.Count);
        Assert.Equal([], Lost(results).Select(r => $"{r.Id}: {r.Status} after {r.Attempts} attempts"));
    }

    private static void AssertEveryReplyRight(IReadOnlyList<Outcome> results) =>
        Assert.Equal([], results
            .Where(r => r.Status != "completed" || r.Reply != ChatApiBatchExtensions.MessageFor(r.Id))
            .Select(r => $"{r.Id}: {r.Status} '{r.Reply}'"));

    private static string Percentile(IReadOnlyList<TimeSpan> sorted, double fraction) =>
        sorted.Count == 0 ? "n/a" : sorted[Math.Min(sorted.Count - 1, (int)(fraction * sorted.Count))].TotalMilliseconds.ToString("0");

    /// <summary>Writes the run's figures to the test output and to artifacts/test-results/failover.txt.</summary>
    private string Report(string how, Run run, IReadOnlyList<Outcome> results)
    {
        var rerun = results.Where(r => r.Attempts > 1).ToArray();
        var recovered = rerun.Any(r => r.CompletedAt is not null)
            ? $"{(rerun.Max(r => r.CompletedAt)!.Value - run.StoppedAt).TotalSeconds:0.0} s"
            : "n/a";
        var report =
            $"{how}: {run.Accepted.Count}/{Messages} accepted, {run.Unaccepted.Count} never accepted ({run.Retried503} resubmissions after 503; " +
            $"submit p50 {Percentile(run.SubmitTimes, 0.5)} ms, p99 {Percentile(run.SubmitTimes, 0.99)} ms, max {Percentile(run.SubmitTimes, 1)} ms), " +
            $"{results.Count(r => r.Status == "completed")} completed, lost {Lost(results).Count()} of those accepted, " +
            $"processed twice {rerun.Length}; the victim ran {run.VictimHeld.Running} and held {run.VictimHeld.Waiting} more when stopped " +
            $"{run.StoppedAfter.TotalSeconds:0.0} s into a {run.Duration.TotalSeconds:0.0} s submission; " +
            $"last re-run message completed {recovered} after the stop; " +
            $"share: {string.Join(", ", results.Where(r => r.Silo is not null).GroupBy(r => r.Silo).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}";
        output.WriteLine(report);
        var file = Path.Combine(ProcessCluster.RepositoryRoot, "artifacts", "test-results", "failover.txt");
        File.AppendAllText(file, $"{DateTimeOffset.UtcNow:u} {report}{Environment.NewLine}");
        return report;
    }
}
