using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>Durable mode, a capped backend and a backlog that waits much longer than the stream's lease.</summary>
public sealed class DurableBacklogTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Messages = 24;
    private RedisServer _redis = null!;
    private FakeChatServer _backend = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _backend = await FakeChatServer.StartAsync(new FakeChatBehavior(LatencyMs: 250));
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_backlog_that_outlasts_the_lease_is_held_once_and_each_message_sent_once()
    {
        var cluster = new SlowBackendCluster(_redis, _backend);
        await cluster.InitializeAsync();
        try
        {
            var ids = ChatApiBatchExtensions.NewIds("backlog", Messages);
            foreach (var id in ids)
            {
                using var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "slow");
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            // One at a time, 250 ms each: about 6 s, three leases. Entries still waiting after a lease are delivered
            // again by the sweep; the lanes must hold each once, or the queue reported here grows past what was sent.
            var mostQueued = 0;
            var completed = 0L;
            var deadline = Stopwatch.StartNew();
            while (completed < Messages)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"{completed} of {Messages} completed after 90 s");
                var slow = (await cluster.Http.GetFromJsonAsync<JsonElement>("/backends")).EnumerateArray()
                    .Single(backend => backend.GetProperty("name").GetString() == "slow");
                mostQueued = Math.Max(mostQueued, slow.GetProperty("queued").GetInt32() + slow.GetProperty("inFlight").GetInt32());
                completed = slow.GetProperty("completed").GetInt64();
                await Task.Delay(100);
            }

            await cluster.Api.WaitForAllCompleted(ids);
            output.WriteLine($"{Messages} messages, cap 1, lease 2 s: most held at once {mostQueued}; the backend saw {_backend.Stats.Requests} requests, at most {_backend.Stats.MaxInFlight} at once");
            Assert.True(mostQueued <= Messages, $"the cluster held {mostQueued} deliveries of {Messages} messages");
            Assert.Equal(Messages, _backend.Stats.Requests);
            Assert.Equal(1, _backend.Stats.MaxInFlight);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private sealed class SlowBackendCluster(RedisServer redis, FakeChatServer backend) : ChatClusterFixture
    {
        protected override short Silos => 2;

        protected override Dictionary<string, string?> Settings => new()
        {
            ["Cluster:Provider"] = "Redis",
            ["Redis:ConnectionString"] = redis.ConnectionString,
            ["Streaming:LeaseSeconds"] = "2",
            ["Backends:slow:Kind"] = "openai",
            ["Backends:slow:Endpoint"] = backend.OpenAiEndpoint.ToString(),
            ["Backends:slow:Model"] = "m-slow",
            ["Backends:slow:MaxConcurrency"] = "1",
        };
    }
}
