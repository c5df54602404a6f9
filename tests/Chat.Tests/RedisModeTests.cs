using Chat.Tests.Infrastructure;

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
}
