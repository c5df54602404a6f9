using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>/health/live and /health/ready on the shared embedded-mode cluster: no Redis there, so ready checks the cluster only.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HealthProbeTests(ChatClusterFixture fixture)
{
    [Fact]
    public async Task Ready_answers_200_with_the_cluster_check_and_live_with_none()
    {
        using var ready = await fixture.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"healthy","checks":{"cluster":"healthy"}}""", await ready.Content.ReadAsStringAsync());
        Assert.True(ready.Headers.CacheControl?.NoStore);

        using var live = await fixture.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("""{"status":"healthy","checks":{}}""", await live.Content.ReadAsStringAsync());
    }
}

/// <summary>Durable mode: ready follows Redis down and back up; live and the existing /health do not depend on it.</summary>
public sealed class DurableHealthProbeTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync(persistent: true);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Ready_answers_503_while_redis_is_down_and_200_once_it_is_back_while_live_stays_200()
    {
        var cluster = new RedisBackedCluster(_redis, $"chat-probes-{Guid.NewGuid():N}");
        await cluster.InitializeAsync();
        try
        {
            Assert.Equal(
                """{"status":"healthy","checks":{"cluster":"healthy","redis":"healthy"}}""",
                await WaitForReadyAsync(cluster.Http, HttpStatusCode.OK, "ready to answer 200 with Redis up"));

            await _redis.KillAsync();
            var down = await WaitForReadyAsync(cluster.Http, HttpStatusCode.ServiceUnavailable, "ready to answer 503 with Redis down");
            using (var body = JsonDocument.Parse(down))
            {
                Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
                Assert.Equal("unhealthy", body.RootElement.GetProperty("checks").GetProperty("redis").GetString());
            }

            using (var live = await cluster.Http.GetAsync("/health/live"))
            {
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }

            await _redis.RestartAsync();
            Assert.Equal(
                """{"status":"healthy","checks":{"cluster":"healthy","redis":"healthy"}}""",
                await WaitForReadyAsync(cluster.Http, HttpStatusCode.OK, "ready to answer 200 again with Redis back"));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private static async Task<string> WaitForReadyAsync(HttpClient http, HttpStatusCode expected, string waitingFor)
    {
        var (_, body) = await Eventually.Returns(async () =>
        {
            using var response = await http.GetAsync("/health/ready");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }, answer => answer.StatusCode == expected, waitingFor);
        return body;
    }
}
