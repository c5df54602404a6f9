using System.Diagnostics;
using System.Net;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>Durable mode with the scripted processor: a 2 s drain deadline, an attempt timeout far beyond it, one attempt per message.</summary>
public sealed class DrainDeadlineCluster(RedisServer redis) : ChatClusterFixture
{
    public const int DrainSeconds = 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Cluster:Provider"] = "Redis",
        ["Redis:ConnectionString"] = redis.ConnectionString,
        ["Test:Processor"] = "scripted",
        ["Processing:ShutdownDrainSeconds"] = DrainSeconds.ToString(),
        ["Processing:TimeoutSeconds"] = "120",
        // One attempt: an attempt cut off by the drain is not the message's failure, so it must run again anyway.
        ["Processing:MaxAttempts"] = "1",
        ["Processing:RetryBaseDelayMs"] = "50",
        ["Processing:RetryMaxDelayMs"] = "200",
        ["Processing:RebalanceCheckSeconds"] = "1",
        // Far beyond the test's waits: the message can only come back because the cut-off attempt queued it again.
        ["Streaming:LeaseSeconds"] = "120",
    };
}

public sealed class DrainDeadlineTests(ITestOutputHelper output) : IAsyncLifetime
{
    // What the rest of a graceful stop may take besides the drain: leaving membership, stopping stream agents
    // and deactivating grains, on a busy two-core machine. Ignoring the deadline would instead hold the stop
    // until the host's own shutdown timeout (30 s), or until the processor ends (120 s).
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(10);

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_silo_stopped_while_its_processor_hangs_stops_by_the_drain_deadline_and_the_message_runs_again_elsewhere()
    {
        var cluster = new DrainDeadlineCluster(_redis);
        await cluster.InitializeAsync();
        try
        {
            var script = new ProcessorScript();
            var text = script.Hold("through a drain");
            var id = ChatApiBatchExtensions.NewIds("drain", 1)[0];
            using (var accepted = await cluster.Api.Submit(text, id))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }

            await script.WaitUntilRunning(text);
            var running = await cluster.Api.Result(id);
            Assert.Equal("processing", running.GetProperty("status").GetString());
            var victimName = running.GetProperty("silo").GetString()!;
            var victim = cluster.Cluster.Silos.Single(silo => silo.SiloAddress.Endpoint.ToString() == victimName);

            var clock = Stopwatch.StartNew();
            await cluster.Cluster.StopSiloAsync(victim);
            var stoppedAfter = clock.Elapsed;
            output.WriteLine($"silo {victimName} stopped {stoppedAfter.TotalSeconds:0.0} s after the stop began (drain deadline {DrainDeadlineCluster.DrainSeconds} s)");

            // It waited for the running message until the deadline, then asked the processor to stop.
            var deadline = TimeSpan.FromSeconds(DrainDeadlineCluster.DrainSeconds);
            Assert.InRange(stoppedAfter, deadline, deadline + StopMargin);
            var trace = await script.WaitUntilCancelled(text);
            Assert.Equal(1, Assert.Single(trace.Cancellations).Call);

            // Not lost: it runs again on a silo still up (and is held there again until released).
            await script.WaitUntilRunning(text, calls: 2);
            var again = await Eventually.Returns(() => cluster.Api.Result(id),
                result => result.GetProperty("status").GetString() == "processing" && result.GetProperty("attempts").GetInt32() == 2,
                $"message {id} to be processing in its second attempt");
            Assert.NotEqual(victimName, again.GetProperty("silo").GetString());

            script.Release(text);
            var completed = await cluster.Api.WaitForStatus(id, "completed");
            Assert.Equal(text, completed.GetProperty("result").GetString());
            Assert.Equal(2, completed.GetProperty("attempts").GetInt32());
            Assert.Equal(again.GetProperty("silo").GetString(), completed.GetProperty("silo").GetString());
            Assert.Equal(2, script.Trace(text).Calls);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
