using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterViewTests(ChatClusterFixture fixture)
{
    [Fact]
    public async Task Cluster_lists_every_silo_and_their_counts_add_up_to_the_messages_processed()
    {
        var before = ProcessedBySilo(await Settled());
        var ids = ChatApiBatchExtensions.NewIds("cluster-view", 300);
        await fixture.Api.SubmitAll(ids);
        var results = await fixture.Api.WaitForAllCompleted(ids);
        var ours = results.GroupBy(r => r.GetProperty("silo").GetString()!).ToDictionary(g => g.Key, g => (long)g.Count());

        // Silos report their counters a few times a second; wait until each silo's count has grown by
        // exactly the messages our results say it processed.
        var after = await Eventually.Returns(Snapshot,
            snapshot => ProcessedBySilo(snapshot).All(s => s.Value - before.GetValueOrDefault(s.Key) == ours.GetValueOrDefault(s.Key)),
            $"each silo's processed count to grow by what it processed of the 300 ({string.Join(", ", ours)})");

        var silos = after.GetProperty("silos").EnumerateArray().ToList();
        var expected = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.Endpoint.ToString()).Order();
        Assert.Equal(expected, silos.Select(s => s.GetProperty("address").GetString()!).Order());
        Assert.Equal(300, ours.Values.Sum());
        Assert.All(silos, silo =>
        {
            Assert.Equal("active", silo.GetProperty("status").GetString());
            Assert.True(silo.GetProperty("gateway").GetBoolean());
            var address = silo.GetProperty("address").GetString()!;
            Assert.InRange(ours.GetValueOrDefault(address), 75, 126);
            Assert.Equal(silo.GetProperty("processed").GetInt64(), silo.GetProperty("completed").GetInt64() + silo.GetProperty("failed").GetInt64());
            // Each silo holds at least its own workers and some of the 300 results.
            Assert.True(silo.GetProperty("activations").GetInt32() >= 8, $"activations of {address}");
        });
        Assert.Equal(0, after.GetProperty("backlog").GetInt64());
    }

    [Fact]
    public async Task Each_silo_reports_the_managed_memory_its_garbage_collector_reports()
    {
        // The test cluster's silos run in this process, so their GC is this one. Orleans reports the GC's
        // committed bytes less fragmentation, smoothed by a filter that follows a rise within a few samples
        // and settles on a steady value. The ballast raises the figure well away from anything a wrong
        // measure (working set, live objects only, available memory, another unit) would show, and the
        // figure must settle within 1% of what the GC says just before and just after the request.
        var ballast = new byte[Ballast];
        Array.Fill(ballast, (byte)1);
        GC.Collect();

        var (gc, figures) = await Eventually.Returns(async () =>
        {
            var (index, inUse) = HeapInUse();
            var snapshot = await Snapshot();
            var (indexAfter, inUseAfter) = HeapInUse();
            var reported = snapshot.GetProperty("silos").EnumerateArray().Select(s => s.GetProperty("managedMemoryBytes").GetInt64()).ToArray();
            // A collection during the request changes what the GC says; that sample proves nothing.
            return (GC: index == indexAfter ? inUse : -1, Figures: reported);
        }, sample => sample.GC > 0 && sample.Figures.All(figure => Math.Abs(figure - sample.GC) <= sample.GC / 100),
            "every silo's managedMemoryBytes to settle within 1% of what this process's GC reports");

        Assert.Equal(3, figures.Length);
        Assert.All(figures, figure => Assert.True(figure > Ballast, $"{figure} bytes reported, with {Ballast} held"));
        Assert.True(gc > Ballast);
        GC.KeepAlive(ballast);
    }

    [Fact]
    public async Task Cluster_events_push_a_snapshot_every_second()
    {
        var started = DateTimeOffset.UtcNow;
        var events = await ServerSentEvents.Read(fixture.Http, "/cluster/events", maxEvents: 3, TimeSpan.FromSeconds(15));

        Assert.Equal(3, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal("cluster", e.Event);
            Assert.Equal(3, e.Data.GetProperty("silos").GetArrayLength());
        });
        var first = events[0].Data.GetProperty("at").GetDateTimeOffset();
        var last = events[^1].Data.GetProperty("at").GetDateTimeOffset();
        Assert.True(first >= started.AddSeconds(-1));
        Assert.InRange((last - first).TotalSeconds, 1.5, 4);
    }

    private const int Ballast = 256 << 20;

    /// <summary>A snapshot with no work left from earlier tests: nothing queued, waiting in a lane or running.</summary>
    /// <summary>
    /// No work held, and no silo's counters moved for a second (four load reports): a message of an earlier test that
    /// started and ended between two reports of a busy silo is counted before this test takes its baseline.
    /// </summary>
    private async Task<JsonElement> Settled()
    {
        var quiet = new Dictionary<string, long>();
        var quietSince = System.Diagnostics.Stopwatch.StartNew();
        return await Eventually.Returns(Snapshot, snapshot =>
        {
            var counts = ProcessedBySilo(snapshot);
            var idle = snapshot.GetProperty("backlog").GetInt64() == 0
                && snapshot.GetProperty("totals").GetProperty("inFlight").GetInt32() == 0
                && snapshot.GetProperty("totals").GetProperty("pending").GetInt32() == 0;
            if (!idle || !counts.OrderBy(c => c.Key).SequenceEqual(quiet.OrderBy(c => c.Key)))
            {
                quiet = counts;
                quietSince.Restart();
                return false;
            }

            return quietSince.Elapsed >= TimeSpan.FromSeconds(1);
        }, "the cluster to hold no work from earlier tests and its counters to stay still for a second");
    }

    /// <summary>The GC's committed bytes less fragmentation, as of its last collection, and that collection's index.</summary>
    private static (long Index, long InUse) HeapInUse()
    {
        var info = GC.GetGCMemoryInfo();
        return (info.Index, info.TotalCommittedBytes - info.FragmentedBytes);
    }

    private async Task<JsonElement> Snapshot()
    {
        using var response = await fixture.Http.GetAsync("/cluster");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ChatApi.Json(response);
    }

    private static Dictionary<string, long> ProcessedBySilo(JsonElement snapshot) =>
        snapshot.GetProperty("silos").EnumerateArray()
            .ToDictionary(s => s.GetProperty("address").GetString()!, s => s.GetProperty("processed").GetInt64());
}
