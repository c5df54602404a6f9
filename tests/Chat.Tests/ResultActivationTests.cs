using System.Net;
using Chat.Tests.Infrastructure;
using Grains.Interfaces;

namespace Chat.Tests;

/// <summary>
/// A message's grain leaves memory soon after its last call (here after 3 s), so a busy cluster does not hold a
/// minute of messages; its state stays in storage. A message somebody watches stays for as long as it is watched.
/// </summary>
public sealed class ResultActivationTests(ResultActivationTests.ShortIdleAgeFixture fixture) : IClassFixture<ResultActivationTests.ShortIdleAgeFixture>
{
    [Fact]
    public async Task An_unwatched_result_leaves_memory_and_is_read_back_from_storage()
    {
        var script = new ProcessorScript();
        var text = script.Echo("gone from memory");
        var id = ChatApiBatchExtensions.NewIds("idle", 1)[0];
        using (var accepted = await fixture.Api.Submit(text, id))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var completed = await fixture.Api.WaitForStatus(id, "completed");
        await Eventually.Returns(() => IsInMemoryAsync(id), inMemory => !inMemory, $"message {id}'s grain to leave memory", TimeSpan.FromSeconds(60));

        var readBack = await fixture.Api.Result(id);
        Assert.Equal(
            ("completed", text, completed.GetProperty("completedAt").GetDateTimeOffset()),
            (readBack.GetProperty("status").GetString(), readBack.GetProperty("result").GetString(), readBack.GetProperty("completedAt").GetDateTimeOffset()));
    }

    [Fact]
    public async Task A_watched_result_stays_in_memory_past_the_idle_age_and_its_watcher_hears_the_end()
    {
        var script = new ProcessorScript();
        var held = script.Hold("watched while it runs");
        var id = ChatApiBatchExtensions.NewIds("watched", 1)[0];
        (await fixture.Api.Submit(held, id)).Dispose();
        await script.WaitUntilRunning(held);
        var seenProcessing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = ServerSentEvents.ReadAll(fixture.Http, $"/result/{id}/events", TimeSpan.FromSeconds(60),
            data => { if (data.TryGetProperty("status", out var status) && status.GetString() == "processing") seenProcessing.TrySetResult(); });
        await seenProcessing.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // A message that ends after the watch began, and nobody watches, leaves memory: the idle age has passed for
        // the watched one too, which has had no call since its watcher subscribed.
        var control = ChatApiBatchExtensions.NewIds("unwatched", 1)[0];
        (await fixture.Api.Submit(script.Echo("not watched"), control)).Dispose();
        await fixture.Api.WaitForStatus(control, "completed");
        await Eventually.Returns(() => IsInMemoryAsync(control), inMemory => !inMemory, $"message {control}'s grain to leave memory", TimeSpan.FromSeconds(60));
        Assert.True(await IsInMemoryAsync(id), $"the watched message {id} left memory while watched");

        script.Release(held);
        var events = await watching;
        Assert.Equal(["processing", "completed"], events.Where(e => e.Event == "result").Select(e => e.Data.GetProperty("status").GetString()));
        Assert.Equal(held, events[^1].Data.GetProperty("result").GetString());
    }

    private async Task<bool> IsInMemoryAsync(string id)
    {
        var grains = fixture.Cluster.Client;
        var grain = grains.GetGrain<IChatResultGrain>(id).GetGrainId();
        var active = await grains.GetGrain<IManagementGrain>(0).GetActiveGrains(grain.Type);
        return active.Contains(grain);
    }

    public sealed class ShortIdleAgeFixture : ChatClusterFixture
    {
        protected override short Silos => 1;

        protected override Dictionary<string, string?> Settings => new()
        {
            ["Test:Processor"] = "scripted",
            ["Processing:TimeoutSeconds"] = "120",
            ["Results:IdleActivationAge"] = "00:00:03",
        };
    }
}
