using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>Two silos that run one message each at a time, with a processor that can hang until cancelled.</summary>
public sealed class OneAtATimeFixture : ChatClusterFixture
{
    protected override short Silos => 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:MaxInFlightPerSilo"] = "1",
        ["Processing:TimeoutSeconds"] = "120",
    };
}

public sealed class CancellationTests(OneAtATimeFixture fixture) : IClassFixture<OneAtATimeFixture>
{
    [Fact]
    public async Task Cancelling_stops_a_running_processor_and_a_queued_message_never_runs()
    {
        // Four hanging messages on two one-slot silos: two run, two wait in the queue.
        var texts = Enumerable.Range(0, 4).Select(i => $"hang {Guid.NewGuid():N} {i}").ToArray();
        var ids = new List<string>();
        foreach (var text in texts)
        {
            var id = ChatApiBatchExtensions.NewIds("cancel", 1)[0];
            (await fixture.Api.Submit(text, id)).Dispose();
            ids.Add(id);
        }

        var states = await Eventually.Returns(
            async () => await Task.WhenAll(ids.Select(async id => (await fixture.Api.Result(id)).GetProperty("status").GetString())),
            statuses => statuses.Count(s => s == "processing") == 2 && statuses.Count(s => s == "queued") == 2,
            "two messages processing and two queued");
        var running = ids.Where((_, i) => states[i] == "processing").ToList();
        var waiting = ids.Where((_, i) => states[i] == "queued").ToList();

        // Queued: cancelled before it ever reaches the processor.
        foreach (var id in waiting)
        {
            using var cancelled = await fixture.Http.DeleteAsync($"/chat/{id}");
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
            Assert.Equal("cancelled", (await ChatApi.Json(cancelled)).GetProperty("status").GetString());
        }

        // Running: the processor's cancellation token fires, long before the 120 s timeout.
        foreach (var id in running)
        {
            using var cancelled = await fixture.Http.DeleteAsync($"/chat/{id}");
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
            var text = texts[ids.IndexOf(id)];
            await Eventually.Returns(() => Task.FromResult(ScriptedChatClient.WasCancelled(text)), seen => seen,
                $"the processor of {id} to be cancelled", TimeSpan.FromSeconds(15));
        }

        // With the slots free, the cancelled queued messages are skipped, never processed.
        var probe = ChatApiBatchExtensions.NewIds("after-cancel", 1)[0];
        (await fixture.Api.Submit("echo after cancel", probe)).Dispose();
        await fixture.Api.WaitForStatus(probe, "completed");
        foreach (var id in waiting)
        {
            Assert.Equal(0, ScriptedChatClient.CallsFor(texts[ids.IndexOf(id)]));
        }

        foreach (var id in ids)
        {
            var result = await fixture.Api.Result(id);
            Assert.Equal("cancelled", result.GetProperty("status").GetString());
            using var again = await fixture.Http.DeleteAsync($"/chat/{id}");
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
    }

    [Fact]
    public async Task Cancelling_a_completed_message_answers_409_and_an_unknown_one_404()
    {
        var id = ChatApiBatchExtensions.NewIds("cancel-done", 1)[0];
        (await fixture.Api.Submit("finished quickly", id)).Dispose();
        await fixture.Api.WaitForStatus(id, "completed");

        using var ended = await fixture.Http.DeleteAsync($"/chat/{id}");
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
        Assert.Equal("completed", (await fixture.Api.Result(id)).GetProperty("status").GetString());

        using var unknown = await fixture.Http.DeleteAsync("/chat/no-such-message");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
