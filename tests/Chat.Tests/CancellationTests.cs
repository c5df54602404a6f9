using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>
/// Two silos that run one message each at a time, with the scripted processor. Two partitions, one worker on
/// each silo, so a few messages are enough to reach both. Each test leaves nothing running, so the next
/// finds both slots free.
/// </summary>
public sealed class OneAtATimeFixture : ChatClusterFixture
{
    protected override short Silos => 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Streaming:Partitions"] = "2",
        ["Processing:MaxInFlightPerSilo"] = "1",
        ["Processing:TimeoutSeconds"] = "120",
        ["Processing:MaxAttempts"] = "2",
        ["Processing:RetryBaseDelayMs"] = "50",
        ["Processing:RetryMaxDelayMs"] = "200",
    };
}

public sealed class CancellationTests(OneAtATimeFixture fixture) : IClassFixture<OneAtATimeFixture>
{
    private static readonly TimeSpan CancelWithin = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Cancelling_stops_a_running_processor_and_a_queued_message_never_runs()
    {
        var script = new ProcessorScript();
        var messages = new List<(string Id, string Text)>();
        int Running() => messages.Count(m => script.Trace(m.Text).Running > 0);

        // Hanging messages go in until the processor runs one on each one-slot silo. Which silo a message
        // lands on is the dispatcher's choice, so one more is submitted while fewer than two run.
        await Eventually.Returns(async () =>
        {
            if (Running() < 2 && messages.Count < 40)
            {
                messages.Add(await SubmitAsync(script.Hang($"running {messages.Count}")));
            }

            return Running();
        }, running => running == 2, "the processor to run a hanging message on each of the two silos");

        // Both slots are held by processors that end only when cancelled: these two cannot start.
        messages.Add(await SubmitAsync(script.Hang("waiting a")));
        messages.Add(await SubmitAsync(script.Hang("waiting b")));
        var running = messages.Where(m => script.Trace(m.Text).Running > 0).ToList();
        var waiting = messages.Except(running).ToList();
        foreach (var (id, _) in running)
        {
            Assert.Equal("processing", (await fixture.Api.Result(id)).GetProperty("status").GetString());
        }

        foreach (var (id, text) in waiting)
        {
            Assert.Equal("queued", (await fixture.Api.Result(id)).GetProperty("status").GetString());
            Assert.Equal(0, script.Trace(text).Calls);
        }

        // Queued: cancelled before it ever reaches the processor.
        foreach (var (id, _) in waiting)
        {
            var cancelled = await CancelAsync(id);
            Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
            Assert.Equal(0, cancelled.GetProperty("attempts").GetInt32());
        }

        // Running: the processor's own CancellationToken fires, long before the 120 s timeout.
        foreach (var (id, text) in running)
        {
            var cancelled = await CancelAsync(id);
            Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
            Assert.Equal(1, cancelled.GetProperty("attempts").GetInt32());
            var trace = await script.WaitUntilCancelled(text, timeout: CancelWithin);
            Assert.Equal(1, Assert.Single(trace.Cancellations).Call);
        }

        // With the slots free, each worker takes what its partition holds in order: once a later message
        // has completed on both workers, the cancelled queued ones have had their turn, and were skipped.
        await ProbeBothWorkersAsync(script);
        foreach (var (id, text) in messages)
        {
            var result = await fixture.Api.Result(id);
            Assert.Equal("cancelled", result.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, result.GetProperty("result").ValueKind);
            Assert.Equal(waiting.Contains((id, text)) ? 0 : 1, script.Trace(text).Calls);
            Assert.Equal(0, script.Trace(text).Running);
        }
    }

    [Fact]
    public async Task Cancelling_again_answers_200_with_the_same_cancelled_state()
    {
        // The frontend retries a DELETE whose reply was lost; the client must get the answer the first had.
        var script = new ProcessorScript();
        var text = script.Hang("cancel me twice");
        var (id, _) = await SubmitAsync(text);
        await script.WaitUntilRunning(text);

        var first = await CancelAsync(id);
        await script.WaitUntilCancelled(text, timeout: CancelWithin);
        using var again = await fixture.Http.DeleteAsync($"/chat/{id}");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var second = await ChatApi.Json(again);
        Assert.Equal("cancelled", second.GetProperty("status").GetString());
        Assert.Equal(first.GetProperty("attempts").GetInt32(), second.GetProperty("attempts").GetInt32());
        Assert.Equal(first.GetProperty("completedAt").GetDateTimeOffset(), second.GetProperty("completedAt").GetDateTimeOffset());
        Assert.Equal(1, script.Trace(text).Calls);
    }

    [Fact]
    public async Task Cancelling_a_completed_or_failed_message_answers_409_and_an_unknown_one_404()
    {
        var script = new ProcessorScript();
        var (completed, _) = await SubmitAsync(script.Echo("finished quickly"));
        var (failed, _) = await SubmitAsync(script.Fail(99, "failed for good"));
        await fixture.Api.WaitForStatus(completed, "completed");
        await fixture.Api.WaitForStatus(failed, "failed");

        foreach (var (id, status) in new[] { (completed, "completed"), (failed, "failed") })
        {
            using var ended = await fixture.Http.DeleteAsync($"/chat/{id}");
            Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
            Assert.Equal("application/problem+json", ended.Content.Headers.ContentType?.MediaType);
            Assert.Equal(status, (await fixture.Api.Result(id)).GetProperty("status").GetString());
        }

        using var unknown = await fixture.Http.DeleteAsync("/chat/no-such-message");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<(string Id, string Text)> SubmitAsync(string text)
    {
        var id = ChatApiBatchExtensions.NewIds("cancel", 1)[0];
        using var response = await fixture.Api.Submit(text, id);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (id, text);
    }

    private async Task<JsonElement> CancelAsync(string id)
    {
        using var response = await fixture.Http.DeleteAsync($"/chat/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ChatApi.Json(response);
        Assert.Equal(id, body.GetProperty("id").GetString());
        return body;
    }

    /// <summary>Submits quick messages until one has completed on each of the two workers.</summary>
    private async Task ProbeBothWorkersAsync(ProcessorScript script)
    {
        var workers = new HashSet<string>();
        await Eventually.Returns(async () =>
        {
            var (id, _) = await SubmitAsync(script.Echo($"probe {workers.Count}"));
            workers.Add((await fixture.Api.WaitForStatus(id, "completed")).GetProperty("worker").GetString()!);
            return workers.Count;
        }, count => count == 2, "a message to complete on each of the two workers");
    }
}
