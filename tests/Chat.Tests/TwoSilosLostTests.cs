using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// Durable mode with real processes: three silos and a frontend on a private redis-server under a steady load, and
/// two of the three silos killed at once (kill -9), so the survivor is alone: it cannot gather a second vote to
/// declare the others dead, and must still take over their work within the lease plus failure detection.
/// </summary>
public sealed class TwoSilosLostTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Name = "two-silos-lost";
    private const int Messages = 2000;
    private const int RatePerSecond = 100;
    private const int LeaseSeconds = 4;

    // ProcessCluster starts silo 0 first, so it is the oldest: it hosts the cluster's singletons and survives.
    private static readonly int[] Victims = [1, 2];

    // Probes as fast as DurableFailoverTests' (a dead silo is suspected within about 2 s), but the membership table's
    // heartbeat left at the silo's default: a lone survivor can declare a silo dead only once that silo's heartbeat in
    // the table is 3 × 5 s old, since its own vote is one of the two a larger cluster needs. That is the failure
    // detection this case costs.
    private static readonly TimeSpan FailureDetection = TimeSpan.FromSeconds(15);

    // Probes the survivor counts as inconclusive while it is overloaded, the lease sweep's period, a redelivery that
    // found the holder not yet declared dead and waits a lease more, and the 300 ms of processing. Runs on a busy
    // two-core machine took 14-28 s, and once 41 s on a CI machine busier still; the fault this guards against
    // (waiting out the 300 s processing timeout) stays far outside the bound.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(35);

    // /health needs only the deaths declared: the next failed probe after the heartbeats go stale, and its poll.
    private static readonly TimeSpan HealthBound = FailureDetection + TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(LeaseSeconds) + FailureDetection + Margin;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Processing__DelayMs"] = "300",
        ["Streaming__LeaseSeconds"] = LeaseSeconds.ToString(),
        ["Membership__ProbeTimeout"] = "00:00:01",
        ["Membership__NumMissedProbesLimit"] = "2",
    };

    private static readonly HttpStatusCode[] UnknownOutcome = [HttpStatusCode.ServiceUnavailable, HttpStatusCode.InternalServerError];

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Every_accepted_message_ends_within_the_lease_plus_failure_detection_after_two_of_three_silos_die()
    {
        await using var cluster = await ProcessCluster.StartAsync(Name, _redis, silos: 3, Settings);
        var survivorLog = Path.Combine(ProcessCluster.RepositoryRoot, "artifacts", "test-results", "processes", Name, "silo-0.log");

        var killed = new TaskCompletionSource<(DateTimeOffset At, long LogBytes)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var health = WatchHealthAfterKillAsync(cluster, killed.Task);
        var run = await SubmitSteadilyAsync(cluster, async () =>
        {
            await WaitUntilVictimsHoldWorkAsync(cluster);
            var logBytes = new FileInfo(survivorLog).Length;
            foreach (var victim in Victims)
            {
                cluster.KillSilo(victim);
            }

            killed.SetResult((DateTimeOffset.UtcNow, logBytes));
        });
        var (killedAt, logBytesAtKill) = await killed.Task;

        // Past the bound, keep reading a while longer, so a failure says how long recovery did take.
        var outcomes = await WaitForOutcomesAsync(cluster, run.AcceptedAt.Keys.ToArray(), killedAt + RecoveryBound + TimeSpan.FromSeconds(30));
        var healthAfter = await health;

        // Each message is measured from the kill, or from its acceptance if that came later.
        var late = outcomes
            .Select(outcome => (outcome.Id, outcome.Status, outcome.Attempts, Took: (outcome.CompletedAt ?? DateTimeOffset.UtcNow) - Later(killedAt, run.AcceptedAt[outcome.Id])))
            .OrderByDescending(outcome => outcome.Took)
            .ToArray();
        var worst = late[0];
        var logLines = File.ReadLines(survivorLog).Count();
        var logBytes = new FileInfo(survivorLog).Length - logBytesAtKill;
        var report =
            $"two of three silos killed: {run.AcceptedAt.Count}/{Messages} accepted ({run.Retried503} resubmissions after 503, {run.Retried500} after 500), " +
            $"{outcomes.Count(o => o.Status == "completed")} completed, {outcomes.Count(o => o.Attempts > 1)} ran again; " +
            $"worst end {worst.Took.TotalSeconds:0.0} s after the kill ({worst.Id}: {worst.Status}, {worst.Attempts} attempts), bound {RecoveryBound.TotalSeconds:0} s " +
            $"(lease {LeaseSeconds} s + failure detection {FailureDetection.TotalSeconds:0} s + margin {Margin.TotalSeconds:0} s); " +
            $"/health said 1 silo {(healthAfter is { } h ? $"{h.TotalSeconds:0.0} s" : "never")} after the kill; " +
            $"the survivor's log grew by {logBytes / 1024} KiB after the kill ({logLines} lines in all)";
        output.WriteLine(report);
        File.AppendAllText(Path.Combine(ProcessCluster.RepositoryRoot, "artifacts", "test-results", "failover.txt"), $"{DateTimeOffset.UtcNow:u} {report}{Environment.NewLine}");

        Assert.Equal([], run.Unaccepted);
        Assert.Equal([], outcomes
            .Where(o => o.Status != "completed" || o.Reply != ChatApiBatchExtensions.MessageFor(o.Id))
            .Select(o => $"{o.Id}: {o.Status} '{o.Reply}' after {o.Attempts} attempts"));
        Assert.Equal([], late.Where(o => o.Took > RecoveryBound).Select(o => $"{o.Id}: ended {o.Took.TotalSeconds:0.0} s after the kill"));
        Assert.True(healthAfter <= HealthBound, $"/health did not report 1 silo within {HealthBound.TotalSeconds:0} s of the kill. {report}");
        // Retries are summarised, not logged once per attempt with a stack trace (that came to hundreds of MiB a
        // minute). What remains is Orleans logging each call that failed before the deaths were declared.
        Assert.True(logBytes < 1024 * 1024, $"the survivor logged {logBytes / 1024} KiB after the kill. {report}");
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>What the client saw: when each message was accepted, and which it could not get accepted.</summary>
    private sealed record Run(IReadOnlyDictionary<string, DateTimeOffset> AcceptedAt, IReadOnlyList<string> Unaccepted, int Retried503, int Retried500);

    private sealed record Outcome(string Id, string Status, string? Reply, int Attempts, DateTimeOffset? CompletedAt);

    /// <summary>Submits at a fixed rate, each message on its own task, resubmitting under its id after a 503; kills a third of the way in.</summary>
    private static async Task<Run> SubmitSteadilyAsync(ProcessCluster cluster, Func<Task> kill)
    {
        var ids = ChatApiBatchExtensions.NewIds("lost2", Messages);
        var accepted = new ConcurrentDictionary<string, DateTimeOffset>();
        var unaccepted = new ConcurrentBag<string>();
        var retried = 0;
        var failed = 0;
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>(Messages);
        Task? killing = null;
        for (var i = 0; i < Messages; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)RatePerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            if (i == Messages / 3)
            {
                killing = kill();
            }

            var id = ids[i];
            sends.Add(Task.Run(async () =>
            {
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    using var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(id), id);
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                    {
                        accepted[id] = DateTimeOffset.UtcNow;
                        return;
                    }

                    // 500 is how some infrastructure failures still reach the client (a separate fix turns them into
                    // 503); either way the outcome is unknown and the client resubmits under the same id.
                    Assert.Contains(response.StatusCode, UnknownOutcome);
                    Interlocked.Increment(ref response.StatusCode == HttpStatusCode.ServiceUnavailable ? ref retried : ref failed);
                    await cluster.WaitForHealthyAsync(TimeSpan.FromSeconds(60));
                }

                unaccepted.Add(id);
            }));
        }

        await Task.WhenAll(sends);
        await killing!;
        return new Run(accepted, unaccepted.ToArray(), retried, failed);
    }

    /// <summary>Both victims running or holding work, so they die with messages in flight.</summary>
    private static Task WaitUntilVictimsHoldWorkAsync(ProcessCluster cluster) =>
        Eventually.Returns(async () =>
        {
            var silos = (await ChatApi.Json(await cluster.Http.GetAsync("/cluster"))).GetProperty("silos").EnumerateArray().ToArray();
            return Victims.Min(victim => silos
                .Where(silo => silo.GetProperty("address").GetString() == cluster.SiloEndpoint(victim))
                .Sum(silo => silo.GetProperty("inFlight").GetInt32() + silo.GetProperty("pending").GetInt32()));
        }, held => held >= 5, "both victims to hold 5 messages", TimeSpan.FromSeconds(60));

    /// <summary>How long after the kill GET /health first reported exactly one silo; null if not within a minute.</summary>
    private static async Task<TimeSpan?> WatchHealthAfterKillAsync(ProcessCluster cluster, Task<(DateTimeOffset At, long LogBytes)> killed)
    {
        var (at, _) = await killed;
        while (DateTimeOffset.UtcNow - at < TimeSpan.FromMinutes(1))
        {
            using var response = await cluster.Http.GetAsync("/health");
            if (response.IsSuccessStatusCode && (await ChatApi.Json(response)).GetProperty("silos").GetInt32() == 1)
            {
                return DateTimeOffset.UtcNow - at;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>Reads every accepted message until all have completed or the deadline passes; returns the last state of each.</summary>
    private static async Task<IReadOnlyList<Outcome>> WaitForOutcomesAsync(ProcessCluster cluster, IReadOnlyList<string> ids, DateTimeOffset deadline)
    {
        var outcomes = new ConcurrentDictionary<string, Outcome>();
        var outstanding = ids.ToList();
        while (true)
        {
            await Parallel.ForEachAsync(outstanding, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
            {
                using var response = await cluster.Api.GetResult(id);
                outcomes[id] = response.StatusCode == HttpStatusCode.NotFound
                    ? new Outcome(id, "missing", null, 0, null)
                    : Parse(await ChatApi.Json(response));
            });
            outstanding = outstanding.Where(id => outcomes[id].Status != "completed").ToList();
            if (outstanding.Count == 0 || DateTimeOffset.UtcNow > deadline)
            {
                return ids.Select(id => outcomes[id]).ToArray();
            }

            await Task.Delay(200);
        }
    }

    private static Outcome Parse(JsonElement result) => new(
        result.GetProperty("id").GetString()!,
        result.GetProperty("status").GetString()!,
        result.GetProperty("result").GetString(),
        result.GetProperty("attempts").GetInt32(),
        result.GetProperty("completedAt").ValueKind == JsonValueKind.Null ? null : result.GetProperty("completedAt").GetDateTimeOffset());
}
