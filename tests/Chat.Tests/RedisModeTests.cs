using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Orleans.Providers.Streams.Common;
using StackExchange.Redis;

namespace Chat.Tests;

/// <summary>A cluster whose membership and grain state live in the given redis-server.</summary>
public sealed class RedisBackedCluster(RedisServer redis, string serviceId) : ChatClusterFixture
{
    protected override string? ServiceId => serviceId;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Cluster:Provider"] = "Redis",
        ["Redis:ConnectionString"] = redis.ConnectionString,
    };
}

/// <summary>Durable mode with the scripted processor: retries travel through the Redis stream with their backoff.</summary>
public sealed class DurableScriptedCluster(RedisServer redis, string serviceId) : ChatClusterFixture
{
    protected override string? ServiceId => serviceId;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Cluster:Provider"] = "Redis",
        ["Redis:ConnectionString"] = redis.ConnectionString,
        ["Test:Processor"] = "scripted",
        ["Processing:MaxAttempts"] = "3",
        ["Processing:RetryBaseDelayMs"] = "50",
        ["Processing:RetryMaxDelayMs"] = "200",
    };
}

public sealed class RedisModeTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Results_survive_stopping_and_restarting_the_whole_cluster()
    {
        var serviceId = $"chat-restart-{Guid.NewGuid():N}";
        var ids = ChatApiBatchExtensions.NewIds("durable", 60);
        IReadOnlyList<System.Text.Json.JsonElement> before;
        var first = new RedisBackedCluster(_redis, serviceId);
        await first.InitializeAsync();
        try
        {
            await first.Api.SubmitAll(ids);
            before = await first.Api.WaitForAllCompleted(ids);
        }
        finally
        {
            await first.DisposeAsync();
        }

        var second = new RedisBackedCluster(_redis, serviceId);
        await second.InitializeAsync();
        try
        {
            for (var i = 0; i < ids.Count; i++)
            {
                var after = await second.Api.Result(ids[i]);
                Assert.Equal("completed", after.GetProperty("status").GetString());
                Assert.Equal(ChatApiBatchExtensions.MessageFor(ids[i]), after.GetProperty("result").GetString());
                Assert.Equal(before[i].GetProperty("silo").GetString(), after.GetProperty("silo").GetString());
                Assert.Equal(before[i].GetProperty("completedAt").GetDateTimeOffset(), after.GetProperty("completedAt").GetDateTimeOffset());
            }
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Stream_queues_spread_over_the_silos_and_move_when_one_leaves()
    {
        var cluster = new RedisBackedCluster(_redis, $"chat-queues-{Guid.NewGuid():N}");
        await cluster.InitializeAsync();
        try
        {
            // Asked from the first silo, which stays: in Redis mode the fixture makes no test client.
            var grains = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IGrainFactory>();
            var management = grains.GetGrain<IManagementGrain>(0);
            async Task<string> RunningAgents() => string.Join(' ',
                (await management.SendControlCommandToProvider<PersistentStreamProvider>(
                    "chat", (int)PersistentStreamProviderCommand.GetNumberRunningAgents, null))
                .Select(count => (int)count!).Order());

            await Eventually.Returns(RunningAgents, agents => agents == "2 3 3", "8 queues read as 2/3/3 by 3 silos");

            await cluster.Cluster.StopSiloAsync(cluster.Cluster.Silos[^1]);
            await Eventually.Returns(RunningAgents, agents => agents == "4 4", "8 queues read as 4/4 by the 2 silos left");

            // The queues the stopped silo read are read again: new messages still complete.
            var ids = ChatApiBatchExtensions.NewIds("after-move", 48);
            await cluster.Api.SubmitAll(ids);
            await cluster.Api.WaitForAllCompleted(ids);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_stream_entry_is_acknowledged_once_its_message_has_completed()
    {
        var serviceId = $"chat-acks-{Guid.NewGuid():N}";
        var cluster = new RedisBackedCluster(_redis, serviceId);
        await cluster.InitializeAsync();
        try
        {
            var ids = ChatApiBatchExtensions.NewIds("acked", 48);
            await cluster.Api.SubmitAll(ids);
            await cluster.Api.WaitForAllCompleted(ids);

            // Unacknowledged entries would be delivered again after every lease, for ever.
            await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
            var queues = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: $"orleans-streams:{serviceId}:chat:*")
                .Where(key => !key.ToString().EndsWith(":sequence", StringComparison.Ordinal))
                .ToArray();
            Assert.Equal(8, queues.Length);
            await Eventually.Returns(
                async () => (await Task.WhenAll(queues.Select(queue => redis.GetDatabase().StreamLengthAsync(queue)))).Sum(),
                entries => entries == 0,
                "every queue's entries to be acknowledged");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Retries_and_dead_letters_work_in_durable_mode()
    {
        var cluster = new DurableScriptedCluster(_redis, $"chat-retries-{Guid.NewGuid():N}");
        await cluster.InitializeAsync();
        try
        {
            var script = new ProcessorScript();
            var (flaky, broken) = (script.Fail(1, "durable"), script.Fail(99, "durable"));
            var (flakyId, brokenId) = (ChatApiBatchExtensions.NewIds("durable-flaky", 1)[0], ChatApiBatchExtensions.NewIds("durable-broken", 1)[0]);
            using (var response = await cluster.Api.Submit(flaky, flakyId))
            {
                Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            }

            using (var response = await cluster.Api.Submit(broken, brokenId))
            {
                Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            }

            var completed = await cluster.Api.WaitForStatus(flakyId, "completed");
            Assert.Equal(2, completed.GetProperty("attempts").GetInt32());
            Assert.Equal(flaky, completed.GetProperty("result").GetString());
            Assert.Equal(2, script.Trace(flaky).Calls);

            var failed = await cluster.Api.WaitForStatus(brokenId, "failed");
            Assert.Equal(3, failed.GetProperty("attempts").GetInt32());
            Assert.Equal(3, script.Trace(broken).Calls);
            var deadLetters = await ChatApi.Json(await cluster.Http.GetAsync("/results?status=failed"));
            Assert.Contains(brokenId, deadLetters.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
