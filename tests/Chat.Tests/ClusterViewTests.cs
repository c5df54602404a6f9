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
        await fixture.Api.WaitForAllCompleted(ids);

        // Silos report their counters a few times a second; wait for the reports to catch up.
        var after = await Eventually.Returns(Snapshot,
            snapshot => ProcessedBySilo(snapshot).Sum(s => s.Value - before.GetValueOrDefault(s.Key)) == 300,
            "the per-silo processed counts to grow by exactly 300");

        var silos = after.GetProperty("silos").EnumerateArray().ToList();
        var expected = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.Endpoint.ToString()).Order();
        Assert.Equal(expected, silos.Select(s => s.GetProperty("address").GetString()!).Order());
        Assert.All(silos, silo =>
        {
            Assert.Equal("active", silo.GetProperty("status").GetString());
            Assert.True(silo.GetProperty("gateway").GetBoolean());
            var address = silo.GetProperty("address").GetString()!;
            Assert.InRange(silo.GetProperty("processed").GetInt64() - before.GetValueOrDefault(address), 75, 126);
            // Each silo holds at least its own workers and some of the 300 results.
            Assert.True(silo.GetProperty("activations").GetInt32() >= 8, $"activations of {address}");
            Assert.InRange(silo.GetProperty("managedMemoryBytes").GetInt64(), 1 << 20, 8L << 30);
        });
        Assert.Equal(0, after.GetProperty("backlog").GetInt64());
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

    /// <summary>A snapshot taken once earlier tests' work is finished and reported: two reads a second apart agree.</summary>
    private async Task<JsonElement> Settled()
    {
        var deadline = DateTimeOffset.UtcNow + Eventually.DefaultTimeout;
        var last = await Snapshot();
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var next = await Snapshot();
            var totals = next.GetProperty("totals");
            if (totals.GetProperty("processed").GetInt64() == last.GetProperty("totals").GetProperty("processed").GetInt64()
                && totals.GetProperty("inFlight").GetInt32() == 0
                && totals.GetProperty("pending").GetInt32() == 0)
            {
                return next;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The cluster's counters did not settle; last: {next}");
            }

            last = next;
        }
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
