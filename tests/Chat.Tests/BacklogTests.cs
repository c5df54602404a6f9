using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>A cluster that processes slowly and holds at most a handful of queued messages.</summary>
public sealed class SmallBacklogFixture : ChatClusterFixture
{
    public const int MaxBacklog = 5;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Chat:MaxBacklog"] = MaxBacklog.ToString(),
        ["Processing:DelayMs"] = "300",
        ["Processing:MaxInFlightPerSilo"] = "1",
        ["Processing:MaxInFlightPerWorker"] = "1",
        ["Streaming:LoadReportIntervalMs"] = "50",
    };
}

public sealed class BacklogTests(SmallBacklogFixture fixture) : IClassFixture<SmallBacklogFixture>
{
    [Fact]
    public async Task A_full_backlog_answers_503_with_retry_after_and_recovers_when_drained()
    {
        var ids = ChatApiBatchExtensions.NewIds("backlog", 40);
        var accepted = new List<string>();
        HttpResponseMessage? rejected = null;
        foreach (var id in ids)
        {
            var response = await fixture.Api.Submit(ChatApiBatchExtensions.MessageFor(id), id);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add(id);
                response.Dispose();
                continue;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            rejected = response;
            break;
        }

        Assert.NotNull(rejected);
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
        Assert.True(rejected.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        rejected.Dispose();

        // The rejected message was not stored; the accepted ones wait their turn as queued.
        using (var lookup = await fixture.Api.GetResult(ids[accepted.Count]))
        {
            Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        }

        // Three silos run one message each; with the backlog full, accepted messages are waiting their turn.
        var statuses = await Task.WhenAll(accepted.Select(async id => (await fixture.Api.Result(id)).GetProperty("status").GetString()));
        Assert.Contains("queued", statuses);

        // Nothing accepted is lost: every accepted message completes once.
        var results = await fixture.Api.WaitForAllCompleted(accepted);
        Assert.All(results, result => Assert.Equal(1, result.GetProperty("attempts").GetInt32()));

        // Drained, the cluster takes new work again.
        var late = ChatApiBatchExtensions.NewIds("after-drain", 1)[0];
        await Eventually.Returns(
            async () => (await fixture.Api.Submit(ChatApiBatchExtensions.MessageFor(late), late)).StatusCode,
            status => status == HttpStatusCode.Accepted,
            "POST /chat to be accepted again once the backlog drained");
        await fixture.Api.WaitForStatus(late, "completed");
    }
}
