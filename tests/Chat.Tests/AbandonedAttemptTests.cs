using System.Net;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>Durable mode with the scripted processor, a 1 s attempt timeout and a 2 s lease on delivered work.</summary>
public sealed class ShortLeaseCluster(RedisServer redis) : ChatClusterFixture
{
    public const int TimeoutSeconds = 1;
    public const int LeaseSeconds = 2;

    protected override short Silos => 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Cluster:Provider"] = "Redis",
        ["Redis:ConnectionString"] = redis.ConnectionString,
        ["Test:Processor"] = "scripted",
        ["Processing:TimeoutSeconds"] = TimeoutSeconds.ToString(),
        ["Processing:RetryBaseDelayMs"] = "50",
        ["Processing:RetryMaxDelayMs"] = "200",
        ["Streaming:LeaseSeconds"] = LeaseSeconds.ToString(),
    };
}

public sealed class AbandonedAttemptTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task An_attempt_that_never_reports_is_abandoned_after_its_timeout_and_a_lease_and_runs_again_once()
    {
        var cluster = new ShortLeaseCluster(_redis);
        await cluster.InitializeAsync();
        try
        {
            // The first call ignores its cancellation: its attempt never reports, and its stream entry stays
            // unacknowledged until the lease hands it to a reader again.
            var script = new ProcessorScript();
            var text = script.Stuck(1, "ignores its token");
            var id = ChatApiBatchExtensions.NewIds("abandoned", 1)[0];
            using (var accepted = await cluster.Api.Submit(text, id))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }

            var completed = await cluster.Api.WaitForStatus(id, "completed");
            Assert.Equal($"{text} [call 2]", completed.GetProperty("result").GetString());
            Assert.Equal(2, completed.GetProperty("attempts").GetInt32());
            var trace = script.Trace(text);
            Assert.Equal(2, trace.Calls);
            Assert.Equal(1, trace.Running);

            // The first attempt's token fired at the timeout; it was run again only once it had outlived the
            // timeout by a whole lease, never while it could still report.
            output.WriteLine($"token fired {trace.Cancellations.Single().After.TotalSeconds:0.00} s into the first attempt; " +
                $"second attempt started {(trace.StartedAt(2) - trace.StartedAt(1)).TotalSeconds:0.00} s after the first");
            var cancelled = Assert.Single(trace.Cancellations);
            Assert.Equal(1, cancelled.Call);
            Assert.InRange(cancelled.After, TimeSpan.FromSeconds(ShortLeaseCluster.TimeoutSeconds * 0.9), TimeSpan.FromSeconds(ShortLeaseCluster.TimeoutSeconds + 2));
            Assert.True(trace.StartedAt(2) - trace.StartedAt(1) >= TimeSpan.FromSeconds(ShortLeaseCluster.TimeoutSeconds + ShortLeaseCluster.LeaseSeconds),
                $"the second attempt started {trace.StartedAt(2) - trace.StartedAt(1)} after the first");

            // The abandoned attempt answers at last; once its silo has finished with it, the result is unchanged.
            script.Release(text);
            var totals = await Eventually.Returns(async () =>
                {
                    using var response = await cluster.Http.GetAsync("/cluster");
                    return (await ChatApi.Json(response)).GetProperty("totals");
                },
                totals => totals.GetProperty("inFlight").GetInt32() == 0 && script.Trace(text).Running == 0,
                "the abandoned attempt to finish on its silo");
            // Its ignored reply is no silo's failure: one message, completed once.
            Assert.Equal((1, 0), (totals.GetProperty("completed").GetInt64(), totals.GetProperty("failed").GetInt64()));
            var after = await cluster.Api.Result(id);
            Assert.Equal("completed", after.GetProperty("status").GetString());
            Assert.Equal($"{text} [call 2]", after.GetProperty("result").GetString());
            Assert.Equal(2, after.GetProperty("attempts").GetInt32());
            Assert.Equal(completed.GetProperty("completedAt").GetDateTimeOffset(), after.GetProperty("completedAt").GetDateTimeOffset());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
