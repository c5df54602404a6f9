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
        // Hanging messages on two one-slot silos until both slots are taken: two run, the rest wait. Which
        // silo a message lands on is the dispatcher's choice, so four are not always enough.
        var texts = new List<string>();
        var ids = new List<string>();
        string?[] states;
        while (true)
        {
            var text = $"hang {Guid.NewGuid():N} {texts.Count}";
            var id = ChatApiBatchExtensions.NewIds("cancel", 1)[0];
            (await fixture.Api.Submit(text, id)).Dispose();
            texts.Add(text);
            ids.Add(id);
            if (ids.Count < 4)
            {
                continue;
            }

            try
            {
                states = await Eventually.Returns(
                    async () => await Task.WhenAll(ids.Select(async each => (await fixture.Api.Result(each)).GetProperty("status").GetString())),
                    statuses => statuses.Count(s => s == "processing") == 2 && statuses.Count(s => s == "queued") == statuses.Length - 2,
                    "two messages processing and the rest queued",
                    TimeSpan.FromSeconds(10));
                break;
            }
            catch (TimeoutException) when (ids.Count < 16)
            {
                // Every message so far went to one silo's partitions; one more.
            }
        }

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
            // Cancelling again gets the first answer: 200 with the cancelled state.
            using var again = await fixture.Http.DeleteAsync($"/chat/{id}");
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal("cancelled", (await ChatApi.Json(again)).GetProperty("status").GetString());
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
