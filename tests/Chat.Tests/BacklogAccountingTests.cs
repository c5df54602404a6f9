using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>
/// The backlog and the per-silo counters of GET /cluster after a silo is killed (kill -9, real processes), in
/// embedded mode, where what it held is lost, and in durable mode, where it is delivered again after the lease.
/// </summary>
public sealed class BacklogAccountingTests
{
    /// <summary>Slow messages, one at a time per silo, reported often: most of a burst waits in the silos' lanes.</summary>
    private static readonly Dictionary<string, string> OneSlotPerSilo = new()
    {
        ["Processing__DelayMs"] = "1000",
        ["Processing__MaxInFlightPerSilo"] = "1",
        ["Processing__TimeoutSeconds"] = "5",
        ["Processing__RebalanceCheckSeconds"] = "1",
        ["Streaming__LeaseSeconds"] = "3",
        ["Streaming__LoadReportIntervalMs"] = "50",
        // A killed silo is declared dead within seconds, as in DurableFailoverTests.
        ["Membership__ProbeTimeout"] = "00:00:01",
        ["Membership__NumMissedProbesLimit"] = "2",
    };

    [Fact]
    public async Task The_backlog_forgets_what_a_killed_embedded_silo_held()
    {
        await using var cluster = await ProcessCluster.StartAsync("backlog-embedded", redis: null, silos: 3, OneSlotPerSilo);
        var ids = ChatApiBatchExtensions.NewIds("killed-backlog", 12);
        await cluster.Api.SubmitAll(ids);

        // Not silo 0: it holds the embedded cluster's membership, and, as the oldest silo, the load grain, which
        // must live through the kill for the test to show that it forgets the dead silo.
        var victim = await Eventually.Returns(
            async () => SiloHolding(await Snapshot(cluster.Http), [cluster.SiloEndpoint(1), cluster.SiloEndpoint(2)], minimumPending: 2),
            silo => silo is not null, "silo 1 or 2 to hold at least two waiting messages");
        var instance = victim == cluster.SiloEndpoint(1) ? 1 : 2;
        cluster.KillSilo(instance);

        // The survivors run what they hold; the killed silo's share is gone, and must not stay in the backlog.
        // Until the cluster declares the killed silo dead, calls routed to it fail and /cluster answers 503.
        var settled = await Eventually.Returns(() => Snapshot(cluster.Http, allowUnavailable: true),
            snapshot => snapshot.ValueKind != JsonValueKind.Undefined && Silos(snapshot).Count == 2
                && Silos(snapshot).All(s => s.GetProperty("pending").GetInt32() == 0 && s.GetProperty("inFlight").GetInt32() == 0),
            "the two surviving silos to be idle", TimeSpan.FromSeconds(120));
        Assert.Equal(0, settled.GetProperty("backlog").GetInt64());
        Assert.DoesNotContain(victim, Silos(settled).Select(s => s.GetProperty("address").GetString()));

        var completed = 0;
        foreach (var id in ids)
        {
            using var response = await cluster.Api.GetResult(id);
            completed += response.IsSuccessStatusCode && (await ChatApi.Json(response)).GetProperty("status").GetString() == "completed" ? 1 : 0;
        }

        // Messages really were lost with the silo (at least the two waiting there), or this would prove nothing.
        Assert.InRange(completed, 0, ids.Count - 2);

        await AssertBacklogCountsANewBurstExactly(cluster);
    }

    [Fact]
    public async Task The_backlog_stays_exact_after_a_killed_silo_s_work_is_delivered_again()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await ProcessCluster.StartAsync("backlog-durable", redis, silos: 3, OneSlotPerSilo);
        var ids = ChatApiBatchExtensions.NewIds("redelivered", 9).ToList();
        await cluster.Api.SubmitAll(ids);

        // Silo 1 or 2, so that silo 0, the oldest, keeps the load grain alive through the kill.
        var (running, silo) = await Eventually.Returns(
            () => RunningOn(cluster.Api, ids, [cluster.SiloEndpoint(1), cluster.SiloEndpoint(2)]),
            found => found.Id is not null, "a message to run on silo 1 or 2");
        cluster.KillSilo(silo == cluster.SiloEndpoint(1) ? 1 : 2);

        // Its attempt is abandoned and its stream entry delivered again after the lease: it starts twice.
        var results = await cluster.Api.WaitForAllCompleted(ids);
        var redone = results[ids.IndexOf(running!)];
        Assert.Equal(2, redone.GetProperty("attempts").GetInt32());
        Assert.NotEqual(silo, redone.GetProperty("silo").GetString());

        var drained = await AssertBacklogCountsANewBurstExactly(cluster);
        // The abandoned attempt counts as no silo's failure: the message went on and completed.
        Assert.Equal(0, drained.GetProperty("totals").GetProperty("failed").GetInt64());
    }

    /// <summary>While a burst waits, the backlog is exactly what the live silos hold; once done, zero.</summary>
    private static async Task<JsonElement> AssertBacklogCountsANewBurstExactly(ProcessCluster cluster)
    {
        var burst = ChatApiBatchExtensions.NewIds("burst", 8);
        await cluster.Api.SubmitAll(burst);
        var busy = await Eventually.Returns(() => Snapshot(cluster.Http),
            snapshot => snapshot.GetProperty("backlog").GetInt64() > 0, "the burst to show in the backlog");
        Assert.Equal(Silos(busy).Sum(s => s.GetProperty("pending").GetInt32()), busy.GetProperty("backlog").GetInt64());

        await cluster.Api.WaitForAllCompleted(burst);
        return await Eventually.Returns(() => Snapshot(cluster.Http),
            snapshot => snapshot.GetProperty("backlog").GetInt64() == 0 && Silos(snapshot).All(s => s.GetProperty("inFlight").GetInt32() == 0),
            "the backlog to drain to 0");
    }

    private static string? SiloHolding(JsonElement snapshot, string[] candidates, int minimumPending) =>
        Silos(snapshot)
            .Where(s => candidates.Contains(s.GetProperty("address").GetString()) && s.GetProperty("pending").GetInt32() >= minimumPending)
            .Select(s => s.GetProperty("address").GetString())
            .FirstOrDefault();

    private static async Task<(string? Id, string? Silo)> RunningOn(ChatApi api, IReadOnlyList<string> ids, string[] silos)
    {
        foreach (var id in ids)
        {
            var result = await api.Result(id);
            if (result.GetProperty("status").GetString() == "processing" && silos.Contains(result.GetProperty("silo").GetString()))
            {
                return (id, result.GetProperty("silo").GetString());
            }
        }

        return (null, null);
    }

    private static List<JsonElement> Silos(JsonElement snapshot) => [.. snapshot.GetProperty("silos").EnumerateArray()];

    /// <summary>GET /cluster; with <paramref name="allowUnavailable"/>, a 503 gives an undefined element instead of failing.</summary>
    private static async Task<JsonElement> Snapshot(HttpClient http, bool allowUnavailable = false)
    {
        using var response = await http.GetAsync("/cluster");
        if (allowUnavailable && response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
        {
            return default;
        }

        response.EnsureSuccessStatusCode();
        return await ChatApi.Json(response);
    }
}
