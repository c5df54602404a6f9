using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// Durable mode with real processes: three silos and a frontend on a private redis-server, a steady stream of
/// submissions, and Redis killed for ten seconds mid-run. A client must only ever be told "accepted" or "try again
/// later", and everything it was told was accepted must complete.
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Messages = 1000;
    private const int RatePerSecond = 50;
    private const int MaxSubmissions = 30;
    // Redis goes once this many were accepted, so messages are queued and running whatever the machine's pace.
    private const int AcceptedBeforeOutage = 200;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    // A backend as slow as a small model's, so messages are running when Redis goes; failure detection and the lease
    // as in the failover tests, so anything redelivered is redelivered within the test's patience. The processing
    // time limit keeps its default (300 s): an outcome that finished while Redis was down must be recorded once it
    // is back, not wait for that limit.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Processing__DelayMs"] = "300",
        ["Streaming__LeaseSeconds"] = "4",
        ["Membership__ProbeTimeout"] = "00:00:01",
        ["Membership__NumMissedProbesLimit"] = "2",
    };

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync(persistent: true);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    /// <summary>One HTTP answer to a submission, and whether a 503 came as the contract says.</summary>
    private sealed record Answer(int Status, bool WellFormed503, TimeSpan RetryAfter);

    [Fact]
    public async Task A_redis_outage_answers_503_with_retry_after_and_loses_nothing_accepted()
    {
        await using var cluster = await ProcessCluster.StartAsync("redis-outage", _redis, silos: 3, Settings);
        var ids = ChatApiBatchExtensions.NewIds("outage", Messages);
        var answers = new ConcurrentBag<Answer>();
        var accepted = new ConcurrentDictionary<string, DateTimeOffset>();
        var unaccepted = new ConcurrentBag<string>();

        var clock = Stopwatch.StartNew();
        var outage = Task.Run(async () =>
        {
            await Eventually.Returns(
                () => Task.FromResult(accepted.Count), count => count >= AcceptedBeforeOutage, $"{AcceptedBeforeOutage} messages accepted before the outage");
            await _redis.KillAsync();
            var down = clock.Elapsed;
            await Task.Delay(Outage);
            await _redis.RestartAsync();
            return (Down: down, Up: clock.Elapsed);
        });

        var sends = new List<Task>(Messages);
        for (var i = 0; i < Messages; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)RatePerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var id = ids[i];
            sends.Add(Task.Run(() => SubmitUntilAcceptedAsync(cluster.Api, id, answers, accepted, unaccepted)));
        }

        await Task.WhenAll(sends);
        var (down, up) = await outage;
        var submitted = clock.Elapsed;
        var outcomes = await WaitForCompletionAsync(cluster.Api, accepted.Keys.ToList());
        var lost = outcomes.Where(o => !o.Completed).Select(o => $"{o.Id}: {o.State}").ToArray();
        var settled = clock.Elapsed;

        var byStatus = answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        var retryAfters = answers.Where(a => a.Status == 503).Select(a => a.RetryAfter.TotalSeconds).Distinct().Order();
        var report =
            $"Redis down {down.TotalSeconds:0.0}-{up.TotalSeconds:0.0} s into a {submitted.TotalSeconds:0.0} s submission of {Messages} at {RatePerSecond}/s; " +
            $"answers {string.Join(", ", byStatus)} (Retry-After {string.Join("/", retryAfters)} s); " +
            $"{accepted.Count} accepted, {unaccepted.Count} never accepted, {lost.Length} accepted but not completed, " +
            $"{outcomes.Count(o => o.Attempts > 1)} ran more than once; " +
            $"{(lost.Length == 0 ? "the last completed" : "stopped waiting")} {settled.TotalSeconds - up.TotalSeconds:0.0} s after Redis came back";
        output.WriteLine(report);
        foreach (var stuck in lost.Take(20))
        {
            output.WriteLine($"not completed: {stuck}");
        }

        File.AppendAllText(Path.Combine(ProcessCluster.RepositoryRoot, "artifacts", "test-results", "failover.txt"),
            $"{DateTimeOffset.UtcNow:u} redis outage: {report}{Environment.NewLine}");

        Assert.Equal([], answers.Where(a => a.Status is not (200 or 202 or 503)).Select(a => a.Status).Distinct());
        Assert.Equal(0, answers.Count(a => a.Status == 503 && !a.WellFormed503));
        Assert.True(answers.Any(a => a.Status == 503), $"no submission saw the outage. {report}");
        Assert.Equal([], unaccepted);
        Assert.Equal([], lost);
    }

    /// <summary>
    /// Submits under one id until accepted, as a well-behaved client does: after a 503 it waits the Retry-After it was
    /// given and sends the same message again, which the id makes safe.
    /// </summary>
    private static async Task SubmitUntilAcceptedAsync(
        ChatApi api, string id, ConcurrentBag<Answer> answers, ConcurrentDictionary<string, DateTimeOffset> accepted, ConcurrentBag<string> unaccepted)
    {
        for (var attempt = 0; attempt < MaxSubmissions; attempt++)
        {
            using var response = await api.Submit(ChatApiBatchExtensions.MessageFor(id), id);
            var status = (int)response.StatusCode;
            if (status is 200 or 202)
            {
                answers.Add(new Answer(status, false, TimeSpan.Zero));
                accepted[id] = DateTimeOffset.UtcNow;
                return;
            }

            var retryAfter = response.Headers.RetryAfter?.Delta;
            var wellFormed = status == 503 && retryAfter is { } delay && delay > TimeSpan.Zero
                && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                && (await ChatApi.Json(response)).GetProperty("status").GetInt32() == 503;
            answers.Add(new Answer(status, wellFormed, retryAfter ?? TimeSpan.Zero));
            if (status != 503)
            {
                // Anything else is a failure the assertions report; resubmitting would hide how often it happens.
                unaccepted.Add(id);
                return;
            }

            await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1));
        }

        unaccepted.Add(id);
    }

    /// <summary>An accepted message's last state as read; <see cref="State"/> is an HTTP status when it could not be read.</summary>
    private sealed record Outcome(string Id, string State, int Attempts)
    {
        public bool Completed => State == $"completed '{ChatApiBatchExtensions.MessageFor(Id)}'";
    }

    /// <summary>
    /// Polls every accepted message until all have completed or none has changed for a minute, and returns their last
    /// states. A read the cluster cannot answer yet counts as no change.
    /// </summary>
    private static async Task<IReadOnlyList<Outcome>> WaitForCompletionAsync(ChatApi api, IReadOnlyList<string> ids)
    {
        var last = new ConcurrentDictionary<string, Outcome>();
        var outstanding = ids.ToList();
        var lastProgress = Stopwatch.StartNew();
        while (outstanding.Count > 0 && lastProgress.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Parallel.ForEachAsync(outstanding, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
            {
                using var response = await api.GetResult(id);
                last[id] = response.StatusCode == HttpStatusCode.OK ? Read(id, await ChatApi.Json(response)) : new Outcome(id, $"HTTP {(int)response.StatusCode}", 0);
            });
            var left = outstanding.Where(id => !last[id].Completed).ToList();
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

        return ids.Select(id => last[id]).ToArray();
    }

    private static Outcome Read(string id, JsonElement result)
    {
        var status = result.GetProperty("status").GetString();
        var attempts = result.GetProperty("attempts").GetInt32();
        return status == "completed"
            ? new Outcome(id, $"completed '{result.GetProperty("result").GetString()}'", attempts)
            : new Outcome(id, $"{status} after {attempts} attempts ({result.GetProperty("error").GetString()})", attempts);
    }
}
