using System.Collections.Concurrent;
using System.Net;
using Chat.Tests.Infrastructure;
using Grains.Interfaces;

namespace Chat.Tests;

[Collection(ScriptedClusterCollection.Name)]
public sealed class PushTests(ScriptedClusterFixture fixture)
{

    [Fact]
    public async Task Events_push_each_transition_in_order_and_end_after_completed()
    {
        var script = new ProcessorScript();
        var text = script.Hold("push me");
        var id = ChatApiBatchExtensions.NewIds("sse", 1)[0];
        using var accepted = await fixture.Api.Submit(text, id);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await script.WaitUntilRunning(text);

        // The stream starts from the current state, processing; the message is released only once the
        // watcher has seen it, so the next event is the change to completed, and the stream ends there.
        var seenProcessing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = ServerSentEvents.ReadAll(fixture.Http, $"/result/{id}/events", TimeSpan.FromSeconds(30),
            data => { if (data.TryGetProperty("status", out var status) && status.GetString() == "processing") seenProcessing.TrySetResult(); });
        await seenProcessing.Task.WaitAsync(TimeSpan.FromSeconds(30));
        script.Release(text);
        var events = await watching;

        // The scripted processor answers in one go: the whole reply is one delta, just before the result it completes.
        Assert.Equal(["result", "delta", "result"], events.Select(e => e.Event));
        Assert.Equal(["processing", "completed"], events.Where(e => e.Event == "result").Select(e => e.Data.GetProperty("status").GetString()));
        Assert.Equal((1, text), (events[1].Data.GetProperty("seq").GetInt32(), events[1].Data.GetProperty("text").GetString()));
        Assert.Equal(text, events[^1].Data.GetProperty("result").GetString());
        Assert.Equal(id, events[^1].Data.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_watcher_leaving_early_does_not_stop_another_watching_the_same_message()
    {
        var script = new ProcessorScript();
        var text = script.Hold("watched twice");
        var id = ChatApiBatchExtensions.NewIds("two-watchers", 1)[0];
        (await fixture.Api.Submit(text, id)).Dispose();
        await script.WaitUntilRunning(text);

        // Both watches share the frontend's one observer; the first leaves after its first event, while the
        // message still runs, and the other must still hear of its completion.
        var stayingSaw = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var staying = ServerSentEvents.ReadAll(fixture.Http, $"/result/{id}/events", TimeSpan.FromSeconds(30), _ => stayingSaw.TrySetResult());
        await stayingSaw.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var leaving = await ServerSentEvents.Read(fixture.Http, $"/result/{id}/events", 1, TimeSpan.FromSeconds(30));
        script.Release(text);
        var events = await staying;

        Assert.Equal("processing", Assert.Single(leaving).Data.GetProperty("status").GetString());
        Assert.Equal(["processing", "completed"], events.Where(e => e.Event == "result").Select(e => e.Data.GetProperty("status").GetString()));
        Assert.Equal(text, events[^1].Data.GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_late_subscriber_gets_the_final_state_at_once()
    {
        var id = ChatApiBatchExtensions.NewIds("late", 1)[0];
        (await fixture.Api.Submit("done already", id)).Dispose();
        await fixture.Api.WaitForStatus(id, "completed");

        var events = await ServerSentEvents.ReadAll(fixture.Http, $"/result/{id}/events", TimeSpan.FromSeconds(10));

        // The final result, after the reply's delta while the result grain still holds it.
        var only = Assert.Single(events, e => e.Event == "result");
        Assert.Equal("completed", only.Data.GetProperty("status").GetString());
        Assert.Equal("done already", only.Data.GetProperty("result").GetString());
        Assert.Equal("result", events[^1].Event);
        Assert.All(events.SkipLast(1), e => Assert.Equal(("delta", "done already"), (e.Event, e.Data.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task Events_for_an_unknown_id_answer_404_before_any_stream()
    {
        using var response = await fixture.Http.GetAsync("/result/no-such-message/events");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_dotnet_observer_is_told_of_each_transition()
    {
        var client = fixture.Cluster.Client;
        var id = ChatApiBatchExtensions.NewIds("observer", 1)[0];
        var observer = new RecordingObserver();
        var reference = client.CreateObjectReference<IChatResultObserver>(observer);
        var grain = client.GetGrain<IChatResultGrain>(id);

        // Subscribing before the message exists is allowed: the observer hears of it from the start.
        Assert.Null(await grain.Subscribe(reference));
        (await fixture.Api.Submit("observe me", id)).Dispose();

        await Eventually.Returns(() => Task.FromResult(observer.Seen.Count),
            _ => observer.Seen.Any(r => r.Status == ChatStatus.Completed), "the observer to hear of completion");
        var seen = observer.Seen.OrderBy(r => r.Version).ToList();
        Assert.Equal([ChatStatus.Queued, ChatStatus.Processing, ChatStatus.Completed], seen.Select(r => r.Status));
        Assert.Equal("observe me", seen[^1].Reply);
        Assert.Equal(seen.Select(r => r.Version).Distinct().Count(), seen.Count);
        // Echo answers in one go: the whole reply is one piece, made by the completion itself.
        Assert.Equal([new ReplyDelta(id, 1, 1, "observe me")], observer.Deltas);

        await grain.Unsubscribe(reference);
        client.DeleteObjectReference<IChatResultObserver>(reference);
        GC.KeepAlive(observer);
    }

    private sealed class RecordingObserver : IChatResultObserver
    {
        public ConcurrentQueue<ChatResult> Seen { get; } = new();

        public ConcurrentQueue<ReplyDelta> Deltas { get; } = new();

        public Task OnResultChanged(ChatResult result)
        {
            Seen.Enqueue(result);
            return Task.CompletedTask;
        }

        public Task OnReplyDelta(ReplyDelta delta)
        {
            Deltas.Enqueue(delta);
            return Task.CompletedTask;
        }
    }
}
