using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Grains.Interfaces;
using Grains.Placement;
using Grains.Streams;
using Grains.Work;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// Three silos and two capped fake backends whose every call takes <see cref="CallMs"/>: "fair" for a backlog and a
/// latecomer, "weighted" for tenants of weights 3 and 1.
/// </summary>
public class FairQueueingClusterFixture : ChatClusterFixture
{
    public const int Cap = 4;
    public const int CallMs = 200;
    public const int WeightedCallMs = 50;
    public const int Partitions = 24;

    // The tests leave thousands of messages queued for the capped backends.
    protected override bool StopGracefully => false;

    public FakeChatServer Fair { get; private set; } = null!;

    public FakeChatServer Weighted { get; private set; } = null!;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Processing:RebalanceCheckSeconds"] = "1",
        ["Processing:ShutdownDrainSeconds"] = "1",
        ["Streaming:Partitions"] = Partitions.ToString(),
        ["Backends:fair:Kind"] = "openai",
        ["Backends:fair:Endpoint"] = Fair.OpenAiEndpoint.ToString(),
        ["Backends:fair:Model"] = "m-fair",
        ["Backends:fair:MaxConcurrency"] = Cap.ToString(),
        ["Backends:weighted:Kind"] = "openai",
        ["Backends:weighted:Endpoint"] = Weighted.OpenAiEndpoint.ToString(),
        ["Backends:weighted:Model"] = "m-weighted",
        ["Backends:weighted:MaxConcurrency"] = Cap.ToString(),
        ["Auth:Weights:heavy"] = "3",
        ["Auth:Keys:a"] = KeyOf("a"),
        ["Auth:Keys:b"] = KeyOf("b"),
        ["Auth:Keys:heavy"] = KeyOf("heavy"),
        ["Auth:Keys:light"] = KeyOf("light"),
    };

    /// <summary>Each tenant's API key: the tests submit through the frontend as its clients would.</summary>
    public static string KeyOf(string tenant) => $"key-of-tenant-{tenant}-0123456789";

    protected override async Task BeforeClusterStartsAsync()
    {
        Fair = await FakeChatServer.StartAsync(new FakeChatBehavior(LatencyMs: CallMs));
        Weighted = await FakeChatServer.StartAsync(new FakeChatBehavior(LatencyMs: WeightedCallMs));
    }

    protected override async Task AfterClusterStopsAsync()
    {
        await Fair.DisposeAsync();
        await Weighted.DisposeAsync();
    }
}

/// <summary>The same, for a test that kills one of the silos.</summary>
public sealed class FairQueueingKillableClusterFixture : FairQueueingClusterFixture;

public sealed class FairQueueingTests(FairQueueingClusterFixture fixture, ITestOutputHelper output) : IClassFixture<FairQueueingClusterFixture>
{
    [Fact]
    public async Task A_tenant_arriving_behind_another_tenants_backlog_starts_within_a_round_not_after_it() =>
        await FairQueueingScenario.LatecomerStartsPromptlyAsync(fixture, output, killSilo: false);

    [Fact]
    public async Task Tenants_weighted_3_to_1_get_three_starts_for_every_one_while_both_wait()
    {
        const int each = 1200;
        var heavy = Enumerable.Range(0, each).Select(i => ("heavy", $"h-{i}"));
        var light = Enumerable.Range(0, each).Select(i => ("light", $"l-{i}"));
        var queuedAt = await FairQueueingScenario.SubmitAsync(fixture, "weighted", heavy.Zip(light, (h, l) => new[] { h, l }).SelectMany(pair => pair));

        // Starts counted from when both tenants are queued in full, over 20 rounds of every lane. The backend counts
        // requests as they come, which is cheaper to watch than 2,400 results.
        const int window = 20 * FairQueueingClusterFixture.Partitions;
        var startedBefore = fixture.Weighted.Stats.Requests;
        await Eventually.Returns(
            () => Task.FromResult(fixture.Weighted.Stats.Requests),
            requests => requests >= startedBefore + window + FairQueueingClusterFixture.Cap,
            $"{window} more requests to reach the weighted backend");
        var started = await FairQueueingScenario.ReadAsync(fixture.Cluster, heavy.Concat(light));
        var counted = started.Where(result => result.StartedAt > queuedAt).OrderBy(result => result.StartedAt).Take(window).ToArray();
        Assert.Equal(window, counted.Length);
        var heavyStarts = counted.Count(result => TenantKeys.TenantOf(result.Id) == "heavy");
        var lightStarts = window - heavyStarts;
        var ratio = (double)heavyStarts / lightStarts;
        output.WriteLine($"weights heavy 3 : light 1, {each} messages each, cap {FairQueueingClusterFixture.Cap}, {FairQueueingClusterFixture.WeightedCallMs} ms a call: of the {window} starts after both were queued, heavy {heavyStarts}, light {lightStarts} ({ratio:0.00} : 1)");
        Assert.InRange(ratio, 2.5, 3.5);
    }
}

public sealed class FairQueueingAfterSiloLossTests(FairQueueingKillableClusterFixture fixture, ITestOutputHelper output)
    : IClassFixture<FairQueueingKillableClusterFixture>
{
    [Fact]
    public async Task After_a_silo_dies_under_a_backlog_a_latecomer_on_the_survivors_still_starts_long_before_it() =>
        await FairQueueingScenario.LatecomerStartsPromptlyAsync(fixture, output, killSilo: true);
}

/// <summary>Tenant "a" queues <see cref="Backlog"/> messages against the capped backend, then tenant "b" sends <see cref="Latecomers"/>.</summary>
internal static class FairQueueingScenario
{
    public const int Backlog = 5000;
    public const int Latecomers = 20;

    public static async Task LatecomerStartsPromptlyAsync(FairQueueingClusterFixture fixture, ITestOutputHelper output, bool killSilo)
    {
        var cluster = fixture.Cluster;
        var backlog = Enumerable.Range(0, Backlog).Select(i => ("a", $"a-{i}")).ToArray();
        var clock = Stopwatch.StartNew();
        await SubmitAsync(fixture, "fair", backlog);
        var submitted = clock.Elapsed;

        // Every one of a's messages is held by a lane or has started, so b's arrive behind all of them.
        await Eventually.Returns(
            () => Task.FromResult(Pending(cluster, "fair") + fixture.Fair.Stats.Requests),
            held => held >= Backlog,
            $"the {Backlog} messages of tenant a to reach the workers");

        var survivors = cluster.Silos.Count;
        if (killSilo)
        {
            var victim = cluster.SecondarySilos[0];
            var heldElsewhere = Pending(cluster, "fair") - Pending(victim, "fair") + fixture.Fair.Stats.Requests;
            await cluster.KillSiloAsync(victim);
            survivors--;
            // Each survivor by its own view: a worker decides from its silo's view whether it is home, and a survivor
            // that missed the death's gossip learns of it at its next read of the membership table, up to a minute on.
            await Eventually.Returns(
                () => Task.FromResult(ActiveSilosSeenByEach(cluster)),
                seen => seen.All(active => active == survivors),
                $"every survivor to see {survivors} active silos", TimeSpan.FromSeconds(90),
                describe: seen => string.Join(", ", seen));

            // Partitions whose home moved hand their share of a's backlog back to the stream and take it up again on
            // their new silo; b is measured on the cluster as it stands after that.
            await Eventually.Returns(
                () => WorkersAwayFromHomeAsync(cluster, "fair"),
                away => away.Count == 0,
                "every worker of the fair backend to be on its silo",
                describe: away => string.Join(", ", away));
            await Eventually.Returns(
                () => Task.FromResult(Pending(cluster, "fair") + fixture.Fair.Stats.Requests),
                held => held >= heldElsewhere,
                "the backlog handed back by moved workers to reach their new silos");
        }

        var aStarted = fixture.Fair.Stats.Requests;
        var aWaiting = Pending(cluster, "fair");
        var latecomers = Enumerable.Range(0, Latecomers).Select(i => ("b", $"b-{i}")).ToArray();
        await SubmitAsync(fixture, "fair", latecomers);
        var results = await Eventually.Returns(
            () => ReadAsync(cluster, latecomers),
            read => read.All(result => result.StartedAt is not null),
            $"all {Latecomers} of tenant b's messages to start",
            describe: read => $"{string.Join(", ", read.Where(result => result.StartedAt is null).Select(result => $"{result.Id} {result.Status} (attempts {result.Attempts})"))} not started; " +
                $"pending per silo {string.Join(", ", cluster.Silos.Select(silo => $"{silo.SiloAddress}: {Pending(silo, "fair")}"))}; " +
                $"the backend took {fixture.Fair.Stats.Requests} requests");

        // A latecomer in a lane is taken at that lane's next turn at the gate, and the k-th of b's in the same lane at
        // its (2k - 1)-th, since the lane alternates a and b. Each lane has one request at the gate at a time, so a
        // lane's turn comes round within one start per partition: the gate's round. One more round allows for the
        // trip through the stream to the worker and the requests granted before it arrived. Counted in requests the
        // backend received, so a slow machine does not change the bound. After a kill, a partition whose worker died
        // starts anew on a survivor (its queue's pulling agent moves, the worker activates) when b's message reaches
        // it, which took from one to four rounds more here; there the bound is a tenth of a's backlog.
        var perStart = FairQueueingClusterFixture.CallMs / 1000.0 / FairQueueingClusterFixture.Cap;
        var round = FairQueueingClusterFixture.Partitions;
        var exchanges = fixture.Fair.Exchanges;
        var measured = results
            .GroupBy(result => result.Worker)
            .SelectMany(lane => lane.OrderBy(result => result.StartedAt).Select((result, index) => (
                Delay: (result.StartedAt!.Value - result.EnqueuedAt).TotalSeconds,
                StartsBefore: exchanges.Count(exchange => exchange.StartedAt > result.EnqueuedAt && exchange.StartedAt < result.StartedAt),
                Bound: killSilo ? aWaiting / 10 : 2 * (index + 1) * round)))
            .OrderBy(start => start.Delay)
            .ToArray();
        var sharing = results.GroupBy(result => result.Worker).Max(lane => lane.Count());
        var drain = aWaiting * perStart;
        output.WriteLine(
            $"{(killSilo ? $"after killing 1 of 3 silos ({survivors} left): " : "")}cap {FairQueueingClusterFixture.Cap}, {FairQueueingClusterFixture.CallMs} ms a call, " +
            $"{round} partitions (a round of the gate: {round} starts, {round * perStart:0.00} s at the cap). Tenant a queued {Backlog} in {submitted.TotalSeconds:0.0} s; " +
            $"when b sent {Latecomers}, a had {aStarted} started and {aWaiting} waiting: {drain:0} s of backlog at the cap. " +
            $"b's start delays: p50 {measured[measured.Length / 2].Delay:0.00} s, max {measured[^1].Delay:0.00} s; " +
            $"requests the backend took before each of b's started: p50 {measured.Select(start => start.StartsBefore).Order().ElementAt(measured.Length / 2)}, max {measured.Max(start => start.StartsBefore)}; " +
            $"at most {sharing} of b's in one lane");
        Assert.All(results, result => Assert.Equal("fair", result.Backend));
        Assert.All(measured, start => Assert.True(start.StartsBefore <= start.Bound, $"one of b's started after {start.StartsBefore} other requests; bound {start.Bound}"));
        Assert.True(measured[^1].Delay < drain / 10, $"b's last started {measured[^1].Delay:0.00} s after it was queued, against a backlog of {drain:0} s");
    }

    /// <summary>
    /// Submits through the frontend, each tenant with its own key, in batches of <see cref="BatchSize"/> (one tenant's
    /// batches one after another, the tenants side by side); returns when the last was accepted.
    /// </summary>
    public static async Task<DateTimeOffset> SubmitAsync(FairQueueingClusterFixture fixture, string backend, IEnumerable<(string Tenant, string Id)> messages)
    {
        await Task.WhenAll(messages.GroupBy(message => message.Tenant).Select(async tenant =>
        {
            foreach (var batch in tenant.Chunk(BatchSize))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/chat/batch")
                {
                    Content = JsonContent.Create(new { messages = batch.Select(m => new { id = m.Id, message = $"{m.Tenant} says {m.Id}", backend }) }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FairQueueingClusterFixture.KeyOf(tenant.Key));
                using var response = await fixture.Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var items = (await ChatApi.Json(response)).GetProperty("items").EnumerateArray().ToArray();
                Assert.Equal(batch.Select(m => m.Id), items.Select(item => item.GetProperty("id").GetString()));
                // A batch the frontend repeated after a lost answer finds its messages already queued, or started.
                Assert.All(items, item => Assert.Contains(item.GetProperty("status").GetString(), new[] { "queued", "processing", "completed" }));
            }
        }));
        return DateTimeOffset.UtcNow;
    }

    private const int BatchSize = 500;

    public static async Task<ChatResult[]> ReadAsync(TestCluster cluster, IEnumerable<(string Tenant, string Id)> messages)
    {
        var results = await Task.WhenAll(messages.Select(message =>
            cluster.Client.GetGrain<IChatResultGrain>(TenantKeys.Compose(message.Tenant, message.Id)).Get().AsTask()));
        return results.Select(result => result!).ToArray();
    }

    /// <summary>Messages the live silos' lanes hold for <paramref name="backend"/> and have not started.</summary>
    private static long Pending(TestCluster cluster, string backend) => cluster.Silos.Sum(silo => Pending(silo, backend));

    private static long Pending(SiloHandle silo, string backend) =>
        ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<SiloWorkload>().Backends.Snapshot().FirstOrDefault(load => load.Backend == backend)?.Pending ?? 0;

    /// <summary>
    /// The workers active on a live silo other than their home, each as "partition on silo (home)". A directory entry
    /// that still names the killed silo is no worker: the partition starts on its home when its next message comes.
    /// </summary>
    private static async Task<List<string>> WorkersAwayFromHomeAsync(TestCluster cluster, string backend)
    {
        var active = cluster.Silos.Select(silo => silo.SiloAddress).ToArray();
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var away = new List<string>();
        for (var partition = 0; partition < FairQueueingClusterFixture.Partitions; partition++)
        {
            var worker = cluster.Client.GetGrain<IChatWorkerGrain>(ChatStreams.PartitionKey(backend, partition));
            var silo = await management.GetActivationAddress(worker);
            var home = PartitionAssignment.SiloFor(partition, active);
            if (silo is not null && active.Contains(silo) && !silo.Equals(home))
            {
                away.Add($"{partition} on {silo} ({home})");
            }
        }

        return away;
    }

    private static int[] ActiveSilosSeenByEach(TestCluster cluster) =>
        cluster.Silos.Cast<InProcessSiloHandle>()
            .Select(silo => silo.SiloHost.Services.GetRequiredService<IClusterMembershipService>()
                .CurrentSnapshot.Members.Values.Count(member => member.Status == SiloStatus.Active))
            .ToArray();
}
