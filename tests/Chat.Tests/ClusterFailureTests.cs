using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>A cluster this test may kill. The retry window outlasts failure detection, as the default (15 s) does.</summary>
public sealed class DisposableClusterFixture : ChatClusterFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Processing:DelayMs"] = "0",
        ["Cluster:RetryWindowSeconds"] = "10",
        ["Cluster:ResponseTimeoutSeconds"] = "2",
    };
}

public sealed class ClusterFailureTests(DisposableClusterFixture fixture) : IClassFixture<DisposableClusterFixture>
{
    [Fact]
    public async Task Killed_silo_never_surfaces_as_a_server_error_and_a_cluster_that_stays_down_answers_503()
    {
        // Steady traffic, four requests at a time, until 40 more have been answered after a secondary silo is killed
        // outright.
        var statuses = new System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode>();
        var victim = fixture.Cluster.SecondarySilos[0];
        using var stopTraffic = new CancellationTokenSource();
        var traffic = Parallel.ForEachAsync(
            ChatApiBatchExtensions.NewIds("kill", 1000),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = stopTraffic.Token },
            async (id, _) =>
            {
                // Server-made ids: a retry the frontend makes on its own must still look like one clean 202.
                using var response = await fixture.Api.Submit(ChatApiBatchExtensions.MessageFor(id));
                statuses.Enqueue(response.StatusCode);
            });

        await Eventually.Returns(() => Task.FromResult(statuses.Count), count => count >= 20, "traffic to start");
        await fixture.Cluster.KillSiloAsync(victim);
        // Submissions go on until 40 more have been answered after the kill, each of which the survivors took.
        var answeredAtKill = statuses.Count;
        await Eventually.Returns(
            () => Task.FromResult(statuses.Count), count => count >= answeredAtKill + 40 || traffic.IsCompleted, "40 submissions answered after the kill");
        Assert.True(statuses.Count >= answeredAtKill + 40, $"the traffic ran out {statuses.Count - answeredAtKill} answers after the kill");
        stopTraffic.Cancel();
        try
        {
            await traffic;
        }
        catch (OperationCanceledException)
        {
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Accepted, status));

        // With every silo gone, the frontend retries for its window, then answers 503 problem details.
        await fixture.Cluster.StopAllSilosAsync();
        using var down = await fixture.Api.Submit("anyone there?");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(down.Headers.RetryAfter);

        using var health = await fixture.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }
}
