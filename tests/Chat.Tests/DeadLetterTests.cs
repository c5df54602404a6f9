using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Grains;
using Grains.Hosting;
using Grains.Interfaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Silo;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// One silo, embedded mode unless <see cref="Settings"/> say otherwise, whose results store counts the records and
/// bytes each grain reads and writes. The tests call the dead-letter grain directly: 100,000 failed messages
/// through the HTTP API would take minutes, and what is measured here is the index, not the pipeline.
/// </summary>
public sealed class DeadLetterCluster : IAsyncLifetime
{
    public Dictionary<string, string?> Settings { get; init; } = [];

    public string? ServiceId { get; init; }

    public TestCluster Cluster { get; private set; } = null!;

    public CountingGrainStorage Storage => (CountingGrainStorage)((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services
        .GetRequiredKeyedService<IGrainStorage>(ChatStorage.Results);

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        if (ServiceId is { } serviceId)
        {
            builder.Options.ServiceId = serviceId;
        }

        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(Settings));
        builder.AddSiloBuilderConfigurator<CountingSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class CountingSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddChatServices(SiloMode.From(silo.Configuration));
            CountingGrainStorage.Decorate(silo.Services, ChatStorage.Results);
        }
    }
}

public sealed class DeadLetterTests(DeadLetterCluster fixture, ITestOutputHelper output) : IClassFixture<DeadLetterCluster>
{
    private const int Capacity = 100_000;
    private const int Measured = 200;
    private static readonly DateTimeOffset FailedAt = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task At_100000_dead_letters_an_add_or_a_remove_writes_a_segment_or_two_and_a_page_writes_nothing()
    {
        var grain = fixture.Cluster.Client.GetGrain<IDeadLetterGrain>(0);

        var early = await Fill(grain, "early", 1_000);
        var small = await MeasureCosts(grain, "small");
        var survivors = await ListAll(grain);
        Assert.Equal(early.SelectMany(batch => batch).Concat(small.Added).Except(small.Removed).Order(), survivors.Order());

        var filling = Stopwatch.StartNew();
        var beforeFill = Tally(grain);
        var late = await Fill(grain, "late", Capacity - survivors.Count);
        var fill = Tally(grain) - beforeFill;
        output.WriteLine(
            $"Adding {Capacity - survivors.Count:N0} entries in batches of 1,000 sent at once took {filling.Elapsed.TotalSeconds:0.0} s " +
            $"and wrote {fill.Writes:N0} records ({fill.BytesWritten:N0} bytes): calls that arrive during a save share the next.");
        Assert.InRange(fill.Writes, 1, (Capacity - survivors.Count) / 2);
        var full = await ListAll(grain);
        Assert.Equal(Capacity, full.Count);
        AssertBatchesNewestFirst(late, full);
        Assert.Equal(survivors, full.Skip(Capacity - survivors.Count));

        var large = await MeasureCosts(grain, "large");

        // At capacity each add dropped the oldest entry; the removals were the 200 entries from the middle.
        var half = Capacity / 2 - Measured;
        Assert.Equal(full.Skip(half).Take(Measured), large.Removed);
        var expected = Enumerable.Reverse(large.Added)
            .Concat(full.Take(half))
            .Concat(full.Skip(half + Measured).Take(Capacity - 2 * Measured - half))
            .ToList();
        Assert.Equal(expected, await ListAll(grain));

        // Everything the batched saves stored loads back in the same order.
        var before = Tally(grain);
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var loading = Stopwatch.StartNew();
        Assert.Equal(expected.Count, (await grain.List(0, 0)).Total);
        loading.Stop();
        var reload = Tally(grain) - before;
        Assert.Equal(expected, await ListAll(grain));

        var wholeList = WholeListBytes(full);
        Report("1,000", small);
        Report("100,000", large);
        output.WriteLine($"The single-record list wrote {wholeList:N0} bytes per add or remove at 100,000 entries.");
        output.WriteLine($"Reactivating with {expected.Count:N0} entries read {reload.Reads} records and took {loading.ElapsedMilliseconds} ms.");

        // Paging is served from memory; adds and removes rewrite a segment or two, whatever the size.
        Assert.Equal((0, 0), (large.List.Reads, large.List.Writes));
        Assert.InRange(large.Add.WritesPerOp, 1, 3);
        Assert.InRange(large.Remove.WritesPerOp, 1, 3);
        Assert.InRange(large.Add.BytesPerOp, 1, 4 * small.Add.BytesPerOp);
        Assert.InRange(large.Remove.BytesPerOp, 1, 2 * small.Remove.BytesPerOp);
        Assert.InRange(large.Add.BytesPerOp, 1, wholeList / 100);
    }

    [Fact]
    public async Task Adding_and_removing_again_changes_nothing_more_one_after_another_or_all_at_once()
    {
        var grain = fixture.Cluster.Client.GetGrain<IDeadLetterGrain>(3);
        var ids = Enumerable.Range(0, 600).Select(i => $"again-{i}").ToList();
        foreach (var id in ids)
        {
            await grain.Add(id, FailedAt);
        }

        await grain.Add("again-100", FailedAt);
        await grain.Add("again-100", FailedAt.AddMinutes(1));
        await grain.Remove("again-300");
        var before = Tally(grain);
        await grain.Remove("again-300");
        await grain.Remove("never-listed");
        Assert.Equal(default, Tally(grain) - before);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.Add("again-200", FailedAt).AsTask()));
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.Remove("again-301").AsTask()));

        var expected = Enumerable.Reverse(ids).Where(id => id is not "again-100" and not "again-200" and not "again-300" and not "again-301")
            .Prepend("again-100").Prepend("again-200").ToList();
        var page = await grain.List(0, 1_000);
        Assert.Equal(598, page.Total);
        Assert.Equal(expected, page.Ids);
        Assert.Equal(expected.Skip(250).Take(20), (await grain.List(250, 20)).Ids);
        Assert.Empty((await grain.List(598, 10)).Ids);
        Assert.Empty((await grain.List(long.MaxValue, 10)).Ids);

        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(expected, (await grain.List(0, 1_000)).Ids);
    }

    [Fact]
    public async Task A_reactivated_index_reads_each_segment_once_and_lists_the_same_order()
    {
        var grain = fixture.Cluster.Client.GetGrain<IDeadLetterGrain>(1);
        for (var i = 0; i < 700; i++)
        {
            await grain.Add($"reload-{i}", FailedAt);
        }

        await grain.Remove("reload-10");
        await grain.Remove("reload-300");
        await grain.Add("reload-5", FailedAt);
        var before = await grain.List(0, 1_000);
        var expected = Enumerable.Range(0, 700).Reverse().Where(i => i is not 5 and not 10 and not 300)
            .Select(i => $"reload-{i}").Prepend("reload-5").ToList();
        Assert.Equal(expected, before.Ids);

        var reads = Tally(grain).Reads;
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var after = await grain.List(0, 1_000);

        Assert.Equal(expected, after.Ids);
        Assert.Equal(698, after.Total);
        // The directory, its three segments (254, 255 and 189 entries) and the one-record list of earlier versions.
        Assert.Equal(5, Tally(grain).Reads - reads);
    }

    [Fact]
    public async Task A_list_stored_as_one_record_by_an_earlier_version_moves_into_segments_in_order()
    {
        var grain = fixture.Cluster.Client.GetGrain<IDeadLetterGrain>(2);
        var newestFirst = Enumerable.Range(0, 600).Reverse().Select(i => new DeadLetter($"legacy-{i}", FailedAt.AddSeconds(i))).ToList();
        var legacy = new GrainState<DeadLetterState>(new DeadLetterState { Entries = newestFirst });
        await fixture.Storage.WriteStateAsync("dead-letters", grain.GetGrainId(), legacy);

        var page = await grain.List(0, 1_000);
        Assert.Equal(newestFirst.Select(entry => entry.Id), page.Ids);
        Assert.Equal(600, page.Total);

        var stored = new GrainState<DeadLetterState>();
        await fixture.Storage.ReadStateAsync("dead-letters", grain.GetGrainId(), stored);
        Assert.False(stored.RecordExists);
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(newestFirst.Select(entry => entry.Id), (await grain.List(0, 1_000)).Ids);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_save_stopped_at_any_of_its_writes_loses_no_entry(int failingWrite)
    {
        var grain = fixture.Cluster.Client.GetGrain<IDeadLetterGrain>(100 + failingWrite);
        for (var i = 0; i < 768; i++)
        {
            await grain.Add($"c-{i:D3}", FailedAt);
        }

        // Segments of 128 (c-128..c-255), 129 (c-383..c-511) and 256 (c-512..c-767) entries.
        foreach (var i in Enumerable.Range(0, 128).Concat(Enumerable.Range(256, 127)))
        {
            await grain.Remove($"c-{i:D3}");
        }

        var before = (await grain.List(0, 1_000)).Ids;
        var after = before.Where(id => id != "c-400").Prepend("c-400").ToList();

        // Moving c-400 to the newest place starts a fourth segment and lets its old segment take in the oldest:
        // writes are the directory listing the new segment, the new segment, the merged one, clearing the oldest,
        // and the directory without it.
        var start = Tally(grain);
        if (failingWrite == 0)
        {
            await grain.Add("c-400", FailedAt);
            var spent = Tally(grain) - start;
            Assert.Equal((4, 1), (spent.Writes, spent.Clears));
        }
        else
        {
            fixture.Storage.FailWrite(grain.GetGrainId(), failingWrite);
            await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Add("c-400", FailedAt).AsTask());
        }

        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var reloaded = (await grain.List(0, 1_000)).Ids;
        Assert.True(Tally(grain).Reads > start.Reads, "the index should have been reloaded from storage");
        Assert.Equal(failingWrite is 1 or 2 ? before : after, reloaded);

        // What loading repaired is stored: one more change and one more reload list the same.
        await grain.Add("c-999", FailedAt);
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(reloaded.Prepend("c-999"), (await grain.List(0, 1_000)).Ids);
    }

    /// <summary>Adds <paramref name="count"/> new ids in batches of 1,000 sent at once; returns the batches, oldest first.</summary>
    private static async Task<List<string[]>> Fill(IDeadLetterGrain grain, string prefix, int count)
    {
        var batches = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D6}").Chunk(1_000).ToList();
        foreach (var batch in batches)
        {
            await Task.WhenAll(batch.Select(id => grain.Add(id, FailedAt).AsTask()));
        }

        return batches;
    }

    private static async Task<List<string>> ListAll(IDeadLetterGrain grain)
    {
        var all = new List<string>();
        DeadLetterPage page;
        do
        {
            page = await grain.List(all.Count, 1_000);
            all.AddRange(page.Ids);
        }
        while (page.Ids.Count > 0);

        Assert.Equal(page.Total, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        return all;
    }

    /// <summary>The ids of one batch were sent together, so only their set is known; the batches are in order.</summary>
    private static void AssertBatchesNewestFirst(List<string[]> batches, List<string> listed)
    {
        var position = 0;
        foreach (var batch in Enumerable.Reverse(batches))
        {
            Assert.Equal(batch.Order(), listed.Skip(position).Take(batch.Length).Order());
            position += batch.Length;
        }
    }

    /// <summary>
    /// 200 adds of new ids, 200 removals from the middle, 200 reads of a middle page, one at a time, each checked
    /// for its exact effect on the listing.
    /// </summary>
    private async Task<Costs> MeasureCosts(IDeadLetterGrain grain, string prefix)
    {
        var added = Enumerable.Range(0, Measured).Select(i => $"{prefix}-added-{i}").ToList();
        var add = await Measure(grain, added, id => grain.Add(id, FailedAt).AsTask());
        Assert.Equal(Enumerable.Reverse(added), (await grain.List(0, Measured)).Ids);

        var middle = (await grain.List(0, 0)).Total / 2;
        var removed = (await grain.List(middle, Measured)).Ids;
        var following = (await grain.List(middle + Measured, Measured)).Ids;
        var remove = await Measure(grain, removed, id => grain.Remove(id).AsTask());
        Assert.Equal(following, (await grain.List(middle, Measured)).Ids);

        var list = await Measure(grain, Enumerable.Range(0, Measured).ToList(), i => grain.List(middle + i * 7, 50).AsTask());
        return new Costs(add, remove, list, added, removed);
    }

    private async Task<Cost> Measure<T>(IDeadLetterGrain grain, IReadOnlyList<T> operations, Func<T, Task> operation)
    {
        var before = Tally(grain);
        var clock = Stopwatch.StartNew();
        foreach (var item in operations)
        {
            await operation(item);
        }

        clock.Stop();
        var spent = Tally(grain) - before;
        return new Cost(operations.Count, spent.Reads, spent.Writes + spent.Clears, spent.BytesWritten, clock.Elapsed);
    }

    private StorageTally Tally(IDeadLetterGrain grain) => fixture.Storage.For(grain.GetGrainId());

    private long WholeListBytes(List<string> ids)
    {
        var serializer = ((InProcessSiloHandle)fixture.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<Serializer>();
        var state = new DeadLetterState { Entries = ids.Select(id => new DeadLetter(id, FailedAt)).ToList() };
        return new OrleansGrainStorageSerializer(serializer).Serialize(state).Length;
    }

    private void Report(string size, Costs costs)
    {
        foreach (var (name, cost) in new[] { ("add", costs.Add), ("remove", costs.Remove), ("list 50", costs.List) })
        {
            output.WriteLine(
                $"{size,7} entries, {name,-7}: {cost.Elapsed.TotalMicroseconds / cost.Operations,7:N0} µs/op, " +
                $"{cost.WritesPerOp:0.00} records and {cost.BytesPerOp,6:N0} bytes written/op, {cost.Reads} records read");
        }
    }

    private sealed record Costs(Cost Add, Cost Remove, Cost List, IReadOnlyList<string> Added, IReadOnlyList<string> Removed);

    private sealed record Cost(int Operations, long Reads, long Writes, long BytesWritten, TimeSpan Elapsed)
    {
        public double WritesPerOp => (double)Writes / Operations;

        public long BytesPerOp => BytesWritten / Operations;
    }
}

/// <summary>The dead letters kept in Redis: the index is rebuilt from its segment records after a restart.</summary>
public sealed class DeadLetterRedisTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Dead_letters_in_redis_keep_their_order_across_a_cluster_restart()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Redis",
            ["Redis:ConnectionString"] = _redis.ConnectionString,
        };
        var serviceId = $"dead-letters-{Guid.NewGuid():N}";
        var expected = Enumerable.Range(0, 600).Reverse().Where(i => i is not 50 and not 100 and not 400)
            .Select(i => $"durable-{i}").Prepend("durable-50").ToList();

        await using (var first = await Start(settings, serviceId))
        {
            var grain = first.Cluster.Client.GetGrain<IDeadLetterGrain>(0);
            for (var i = 0; i < 600; i++)
            {
                await grain.Add($"durable-{i}", DateTimeOffset.UnixEpoch.AddSeconds(i));
            }

            await grain.Remove("durable-100");
            await grain.Remove("durable-400");
            await grain.Add("durable-50", DateTimeOffset.UnixEpoch.AddHours(1));
            Assert.Equal(expected, (await grain.List(0, 1_000)).Ids);
        }

        await using var second = await Start(settings, serviceId);
        var restarted = second.Cluster.Client.GetGrain<IDeadLetterGrain>(0);
        var page = await restarted.List(0, 1_000);
        Assert.Equal(expected, page.Ids);
        Assert.Equal(598, page.Total);

        await restarted.Add("durable-600", DateTimeOffset.UnixEpoch.AddHours(2));
        await restarted.Remove("durable-599");
        Assert.Equal(expected.Where(id => id != "durable-599").Prepend("durable-600"), (await restarted.List(0, 1_000)).Ids);
    }

    private static async Task<AsyncCluster> Start(Dictionary<string, string?> settings, string serviceId)
    {
        var cluster = new DeadLetterCluster { Settings = settings, ServiceId = serviceId };
        await cluster.InitializeAsync();
        return new AsyncCluster(cluster);
    }

    private sealed class AsyncCluster(DeadLetterCluster cluster) : IAsyncDisposable
    {
        public TestCluster Cluster => cluster.Cluster;

        public async ValueTask DisposeAsync() => await cluster.DisposeAsync();
    }
}

/// <summary>One silo whose processor fails every message once, and only one attempt is allowed.</summary>
public sealed class FailingOnceFixture : ChatClusterFixture
{
    protected override short Silos => 1;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:MaxAttempts"] = "1",
    };
}

public sealed class DeadLetterApiTests(FailingOnceFixture fixture) : IClassFixture<FailingOnceFixture>
{
    [Fact]
    public async Task A_page_past_the_end_is_empty_and_one_past_what_the_index_can_hold_is_refused()
    {
        var id = ChatApiBatchExtensions.NewIds("dead", 1)[0];
        using (var submitted = await fixture.Api.Submit($"fail-1 {id}", id))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        await fixture.Api.WaitForStatus(id, "failed");

        var first = await Page("page=1&pageSize=2");
        Assert.Equal(id, Assert.Single(first.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(1, first.GetProperty("total").GetInt32());

        // Past the end, but where the index could hold entries: an empty page.
        foreach (var query in new[] { "page=2&pageSize=2", "page=50000&pageSize=2", "page=500&pageSize=200" })
        {
            var page = await Page(query);
            Assert.Equal(0, page.GetProperty("items").GetArrayLength());
            Assert.Equal(1, page.GetProperty("total").GetInt32());
        }

        // Past anything the index can hold: 400 naming the page. 1073741824 × 2 is 2^31, which as an int wrapped
        // to a negative skip and listed page 1 again.
        foreach (var query in new[] { "page=1073741825&pageSize=2", "page=2147483647&pageSize=200", "page=50001&pageSize=2" })
        {
            using var refused = await fixture.Http.GetAsync($"/results?status=failed&{query}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await ChatApi.Json(refused)).GetProperty("errors").TryGetProperty("page", out _), query);
        }
    }

    private async Task<JsonElement> Page(string query)
    {
        using var response = await fixture.Http.GetAsync($"/results?status=failed&{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ChatApi.Json(response);
    }
}
