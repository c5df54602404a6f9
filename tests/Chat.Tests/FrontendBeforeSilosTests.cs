using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>
/// Real processes in durable mode: the frontend starts first, with no silo anywhere, and must say so with
/// problem details until the silos come up, then serve without being restarted.
/// </summary>
public sealed class FrontendBeforeSilosTests : IAsyncLifetime
{
    // A short retry window, so a request to a cluster that is not there gives up quickly.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Cluster__RetryWindowSeconds"] = "2",
    };

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_frontend_started_before_any_silo_answers_503_and_is_not_ready_until_the_silos_come_up_then_serves()
    {
        await using var cluster = ProcessCluster.StartFrontendFirst("frontend-first", _redis, silos: 2, Settings);

        var health = await Eventually.Returns(async () =>
        {
            try
            {
                return await cluster.Http.GetAsync("/health");
            }
            catch (HttpRequestException)
            {
                return null;  // Not listening yet.
            }
        }, response => response is not null, "the frontend to listen", TimeSpan.FromSeconds(60));
        using (health)
        {
            await AssertUnavailableProblem(health!);
        }

        // Redis is up, the cluster is not: ready names the cluster as what it lacks, live does not care.
        using (var ready = await cluster.Http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(
                """{"status":"unhealthy","checks":{"cluster":"unhealthy","redis":"healthy"}}""", await ready.Content.ReadAsStringAsync());
        }

        using (var live = await cluster.Http.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        var id = ChatApiBatchExtensions.NewIds("before-silos", 1)[0];
        using (var submitted = await cluster.Api.Submit("anyone there?", id))
        {
            await AssertUnavailableProblem(submitted);
            Assert.NotNull(submitted.Headers.RetryAfter);
        }

        await cluster.StartSilosAsync();

        using (var healthy = await cluster.Http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            var body = await ChatApi.Json(healthy);
            Assert.Equal("connected", body.GetProperty("status").GetString());
            Assert.Equal(2, body.GetProperty("silos").GetInt32());
        }

        using (var ready = await cluster.Http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("""{"status":"healthy","checks":{"cluster":"healthy","redis":"healthy"}}""", await ready.Content.ReadAsStringAsync());
        }

        // The message refused while no silo ran was never stored; sent again now, it is accepted and runs.
        using (var unknown = await cluster.Api.GetResult(id))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var accepted = await cluster.Api.Submit("anyone there?", id))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var result = await cluster.Api.WaitForStatus(id, "completed");
        Assert.Equal("anyone there?", result.GetProperty("result").GetString());
        Assert.Equal(1, result.GetProperty("attempts").GetInt32());
    }

    private static async Task AssertUnavailableProblem(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ChatApi.Json(response);
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
    }
}
