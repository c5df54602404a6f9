using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>
/// Conversations on a three-silo cluster, through HTTP: the create, post, read and delete contract; messages of one
/// conversation strictly one after another while conversations run side by side; the history that reaches the backend;
/// the conversation's event stream; and cancelling, of one held message or of the whole conversation.
/// </summary>
[Collection(ConversationClusterCollection.Name)]
public sealed class ConversationTests(ConversationClusterFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private HttpClient Http => fixture.Http;

    private ChatApi Api => fixture.Api;

    [Fact]
    public async Task A_conversation_is_created_posted_to_read_and_deleted()
    {
        var script = new ProcessorScript();
        using var created = await Http.PostAsJsonAsync("/conversations", new { system = "be brief" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await ChatApi.Json(created);
        Assert.Equal(["id"], body.EnumerateObject().Select(p => p.Name));
        var id = body.GetProperty("id").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{22}$", id);
        Assert.Equal($"/conversations/{id}", created.Headers.Location?.OriginalString);

        var text = script.Echo("first");
        using var posted = await Http.PostAsJsonAsync($"/conversations/{id}/messages", new { message = text });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var accepted = await ChatApi.Json(posted);
        var messageId = accepted.GetProperty("id").GetString()!;
        Assert.Equal(["conversationId", "id", "status"], accepted.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(("queued", id), (accepted.GetProperty("status").GetString(), accepted.GetProperty("conversationId").GetString()));
        Assert.Equal($"/result/{messageId}", posted.Headers.Location?.OriginalString);

        var result = await Api.WaitForStatus(messageId, "completed");
        Assert.Equal((text, id), (result.GetProperty("result").GetString(), result.GetProperty("conversationId").GetString()));

        var conversation = await Get(id);
        Assert.Equal(["backend", "id", "messages", "system"], conversation.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal((id, "echo", "be brief"), (Text(conversation, "id"), Text(conversation, "backend"), Text(conversation, "system")));
        var message = Assert.Single(conversation.GetProperty("messages").EnumerateArray());
        Assert.Equal(["completedAt", "enqueuedAt", "id", "message", "result", "status"], message.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal((messageId, text, "completed", text), (Text(message, "id"), Text(message, "message"), Text(message, "status"), Text(message, "result")));
        Assert.Equal(result.GetProperty("enqueuedAt").GetDateTimeOffset(), message.GetProperty("enqueuedAt").GetDateTimeOffset());
        Assert.Equal(result.GetProperty("completedAt").GetDateTimeOffset(), message.GetProperty("completedAt").GetDateTimeOffset());

        using var deleted = await Http.DeleteAsync($"/conversations/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertProblem(await Http.GetAsync($"/conversations/{id}"), HttpStatusCode.NotFound);
        await AssertProblem(await Http.PostAsJsonAsync($"/conversations/{id}/messages", new { message = script.Echo("late") }), HttpStatusCode.NotFound);
        await AssertProblem(await Http.GetAsync($"/conversations/{id}/events"), HttpStatusCode.NotFound);
        await AssertProblem(await Http.DeleteAsync($"/conversations/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_ids_answer_404_and_bad_input_400_or_415_as_problem_details()
    {
        await AssertProblem(await Http.GetAsync("/conversations/never-created"), HttpStatusCode.NotFound);
        await AssertProblem(await Http.PostAsJsonAsync("/conversations/never-created/messages", new { message = "hi" }), HttpStatusCode.NotFound);
        await AssertProblem(await Http.DeleteAsync("/conversations/never-created"), HttpStatusCode.NotFound);
        await AssertProblem(await Http.GetAsync("/conversations/has%20space"), HttpStatusCode.BadRequest);

        var unknownBackend = await AssertProblem(await Http.PostAsJsonAsync("/conversations", new { backend = "nonexistent" }), HttpStatusCode.BadRequest);
        Assert.Contains("echo", unknownBackend.GetProperty("backends").EnumerateArray().Select(b => b.GetString()));
        await AssertProblemNaming(await Http.PostAsJsonAsync("/conversations", new { system = " \t" }), "system");
        await AssertProblem(await Http.PostAsync("/conversations", new StringContent("{\"system\": ", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await AssertProblem(await Http.PostAsync("/conversations", new StringContent("{}", System.Text.Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);

        var id = await Create();
        await AssertProblemNaming(await Http.PostAsJsonAsync($"/conversations/{id}/messages", new { }), "message");
        await AssertProblemNaming(await Http.PostAsJsonAsync($"/conversations/{id}/messages", new { message = "hi", id = "bad id" }), "id");
        await AssertProblem(await Http.PostAsync($"/conversations/{id}/messages", new StringContent("hi", System.Text.Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        Assert.Empty((await Get(id)).GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task A_message_id_is_idempotent_within_its_conversation_and_taken_elsewhere_is_a_conflict()
    {
        var script = new ProcessorScript();
        var conversation = await Create();
        var messageId = $"conv-{Guid.NewGuid():N}";
        var text = script.Echo("once");

        using (var first = await Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = text, id = messageId }))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        await Api.WaitForStatus(messageId, "completed");
        using var again = await Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = text, id = messageId });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("completed", Text(await ChatApi.Json(again), "status"));
        await AssertProblem(await Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = script.Echo("other"), id = messageId }), HttpStatusCode.Conflict);

        var standalone = $"solo-{Guid.NewGuid():N}";
        using (var solo = await Api.Submit(script.Echo("solo"), standalone))
        {
            Assert.Equal(HttpStatusCode.Accepted, solo.StatusCode);
        }

        await AssertProblem(await Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = script.Echo("solo"), id = standalone }), HttpStatusCode.Conflict);
        Assert.Equal(1, script.Trace(text).Calls);
        Assert.Equal([messageId], (await Get(conversation)).GetProperty("messages").EnumerateArray().Select(m => Text(m, "id")));
    }

    [Fact]
    public async Task Messages_of_one_conversation_run_one_after_another_while_conversations_run_side_by_side()
    {
        var script = new ProcessorScript();
        var (a, b) = (await Create(), await Create());
        var (a1, a2, b1) = (script.Hold("a1"), script.Echo("a2"), script.Hold("b1"));
        var a1Id = await Post(a, a1);
        var a2Id = await Post(a, a2);
        var b1Id = await Post(b, b1);

        await script.WaitUntilRunning(a1);
        await script.WaitUntilRunning(b1);
        // Both conversations' first replies are being written at once; the second message of the first waits its turn.
        Assert.Equal(0, script.Trace(a2).Calls);
        Assert.Equal("queued", Text(await Api.Result(a2Id), "status"));

        script.Release(a1);
        await Api.WaitForStatus(a2Id, "completed");
        var a1Completed = (await Api.Result(a1Id)).GetProperty("completedAt").GetDateTimeOffset();
        Assert.Equal(1, script.Trace(a2).Calls);
        Assert.True(script.Trace(a2).StartedAt(1) >= a1Completed, $"a2 reached the backend at {script.Trace(a2).StartedAt(1):O}, before a1 completed at {a1Completed:O}");

        script.Release(b1);
        await Api.WaitForStatus(b1Id, "completed");
        var messages = (await Get(a)).GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal([(a1Id, "completed", a1), (a2Id, "completed", a2)], messages.Select(m => (Text(m, "id"), Text(m, "status"), Text(m, "result"))));
    }

    [Fact]
    public async Task Each_message_reaches_the_backend_after_the_system_prompt_and_the_answered_exchanges_trimmed_to_the_limit()
    {
        var script = new ProcessorScript();
        var conversation = await Create(new { system = "answer in one word" });
        var (one, two, broken, three, four) = (script.Echo("one"), script.Echo("two"), script.Fail(1, "broken"), script.Echo("three"), script.Echo("four"));
        var ids = new List<string>();
        foreach (var text in new[] { one, two, broken, three, four })
        {
            ids.Add(await Post(conversation, text));
        }

        await Api.WaitForStatus(ids[^1], "completed");
        Assert.Equal("failed", Text(await Api.Result(ids[2]), "status"));

        (string, string) System() => ("system", "answer in one word");
        (string, string) User(string text) => ("user", text);
        (string, string) Assistant(string text) => ("assistant", text);
        Assert.Equal([System(), User(one)], script.Trace(one).Prompt(1));
        Assert.Equal([System(), User(one), Assistant(one), User(two)], script.Trace(two).Prompt(1));
        Assert.Equal([System(), User(one), Assistant(one), User(two), Assistant(two), User(broken)], script.Trace(broken).Prompt(1));
        // The failed message has no reply to remember: the conversation goes on without it.
        Assert.Equal([System(), User(one), Assistant(one), User(two), Assistant(two), User(three)], script.Trace(three).Prompt(1));
        // Trimmed to the last 4 messages of the history; the system prompt is always sent.
        Assert.Equal(4, ConversationClusterFixture.MaxHistoryMessages);
        Assert.Equal([System(), User(two), Assistant(two), User(three), Assistant(three), User(four)], script.Trace(four).Prompt(1));
    }

    [Fact]
    public async Task The_conversation_streams_every_message_s_events_in_order_each_naming_its_message()
    {
        var script = new ProcessorScript();
        var conversation = await Create();
        var (first, second) = (script.Hold("streamed first"), script.Echo("streamed second"));
        var firstId = await Post(conversation, first);
        var secondId = await Post(conversation, second);
        var reading = ServerSentEvents.ReadUntil(
            Http, $"/conversations/{conversation}/events", events => events.Count(e => e.Event == "result" && Text(e.Data, "status") == "completed") == 2, Timeout);

        await script.WaitUntilRunning(first);
        script.Release(first);
        var events = await reading;

        var owners = events.Select(e => Text(e.Data, "id")).ToArray();
        Assert.Equal([firstId, secondId], owners.Distinct());
        Assert.Equal(owners.OrderBy(owner => owner == secondId ? 1 : 0), owners);
        foreach (var (id, text) in new[] { (firstId, first), (secondId, second) })
        {
            var mine = events.Where(e => Text(e.Data, "id") == id).ToArray();
            var deltas = mine.Where(e => e.Event == "delta").ToArray();
            Assert.NotEmpty(deltas);
            Assert.Equal(Enumerable.Range(1, deltas.Length).Select(n => (long)n), deltas.Select(e => e.Data.GetProperty("seq").GetInt64()));
            Assert.Equal(text, string.Concat(deltas.Select(e => Text(e.Data, "text"))));
            var results = mine.Where(e => e.Event == "result").ToArray();
            Assert.All(results, e => Assert.Equal(conversation, Text(e.Data, "conversationId")));
            Assert.Equal(("result", "completed", text), (mine[^1].Event, Text(mine[^1].Data, "status"), Text(mine[^1].Data, "result")));
        }
    }

    [Fact]
    public async Task Reconnecting_with_the_last_event_id_resumes_after_that_event_not_from_the_first_message()
    {
        var script = new ProcessorScript();
        var conversation = await Create();
        var (first, second, third) = (script.Echo("resumed first"), script.Hold("resumed second"), script.Echo("resumed third"));
        var ids = new[] { await Post(conversation, first), await Post(conversation, second), await Post(conversation, third) };
        await script.WaitUntilRunning(second);
        var path = $"/conversations/{conversation}/events";

        var before = await ServerSentEvents.ReadWithIds(
            Http, path, Timeout, stopAfter: e => e.Event == "result" && Text(e.Data, "id") == ids[1] && Text(e.Data, "status") == "processing");
        var firstDeltas = before.Where(e => e.Event == "delta" && Text(e.Data, "id") == ids[0]).ToArray();
        Assert.NotEmpty(firstDeltas);
        Assert.Equal(firstDeltas.Select(e => $"1:{e.Data.GetProperty("seq").GetInt64()}"), firstDeltas.Select(e => e.Id));
        // The first message's end names the second's start, and so does the second's state while nothing of it is sent.
        Assert.Equal("2:0", before.Single(e => e.Event == "result" && Text(e.Data, "status") == "completed").Id);
        Assert.Equal("2:0", before[^1].Id);

        var resuming = ServerSentEvents.ReadWithIds(
            Http, path, Timeout, before[^1].Id, e => e.Event == "result" && Text(e.Data, "id") == ids[2] && Text(e.Data, "status") == "completed");
        script.Release(second);
        var after = await resuming;

        Assert.Equal([ids[1], ids[2]], after.Select(e => Text(e.Data, "id")).Distinct());
        var secondDeltas = after.Where(e => e.Event == "delta" && Text(e.Data, "id") == ids[1]).ToArray();
        Assert.Equal(second, string.Concat(secondDeltas.Select(e => Text(e.Data, "text"))));
        Assert.Equal(secondDeltas.Select(e => $"2:{e.Data.GetProperty("seq").GetInt64()}"), secondDeltas.Select(e => e.Id));
        Assert.Equal(("3:0", "4:0"), (after.Last(e => Text(e.Data, "id") == ids[1]).Id, after[^1].Id));
    }

    [Fact]
    public async Task A_last_event_id_that_names_no_event_of_a_conversation_answers_400()
    {
        var conversation = await Create();
        foreach (var bad in new[] { "12", "0:3", "1:x", "1:2:3" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/conversations/{conversation}/events");
            request.Headers.Add("Last-Event-ID", bad);
            await AssertProblemNaming(await Http.SendAsync(request), "Last-Event-ID");
        }
    }

    [Fact]
    public async Task Cancelling_a_held_message_lets_the_next_one_run_in_its_place()
    {
        var script = new ProcessorScript();
        var conversation = await Create();
        var (first, skipped, last) = (script.Hold("first"), script.Echo("skipped"), script.Echo("last"));
        var ids = new[] { await Post(conversation, first), await Post(conversation, skipped), await Post(conversation, last) };
        await script.WaitUntilRunning(first);

        using (var cancelled = await Http.DeleteAsync($"/chat/{ids[1]}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        script.Release(first);
        await Api.WaitForStatus(ids[2], "completed");

        Assert.Equal(0, script.Trace(skipped).Calls);
        Assert.Equal([("user", first), ("assistant", first), ("user", last)], script.Trace(last).Prompt(1));
        var messages = await Eventually.Returns(
            () => Get(conversation), c => c.GetProperty("messages").EnumerateArray().All(m => Text(m, "status") != "queued"), "every message to have ended");
        Assert.Equal(["completed", "cancelled", "completed"], messages.GetProperty("messages").EnumerateArray().Select(m => Text(m, "status")));
    }

    [Fact]
    public async Task Deleting_a_conversation_cancels_its_running_and_queued_messages_and_ends_its_event_stream()
    {
        var script = new ProcessorScript();
        var conversation = await Create();
        var (running, waiting) = (script.Hold("running"), script.Echo("waiting"));
        var runningId = await Post(conversation, running);
        var waitingId = await Post(conversation, waiting);
        await script.WaitUntilRunning(running);
        // Deleted once the stream is open (its first event is the running message's state), not before it is answered.
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = ServerSentEvents.ReadUntil(Http, $"/conversations/{conversation}/events", _ => false, Timeout, _ => opened.TrySetResult());
        await opened.Task.WaitAsync(Timeout);

        using (var deleted = await Http.DeleteAsync($"/conversations/{conversation}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal("cancelled", Text(await Api.Result(runningId), "status"));
        Assert.Equal("cancelled", Text(await Api.Result(waitingId), "status"));
        await script.WaitUntilCancelled(running);
        Assert.Equal(0, script.Trace(waiting).Calls);
        await AssertProblem(await Http.GetAsync($"/conversations/{conversation}"), HttpStatusCode.NotFound);

        // The stream passes on how each message ended, then ends with the conversation.
        var ends = (await watching).Where(e => e.Event == "result" && Text(e.Data, "status") != "queued" && Text(e.Data, "status") != "processing");
        Assert.Equal([(runningId, "cancelled"), (waitingId, "cancelled")], ends.Select(e => (Text(e.Data, "id"), Text(e.Data, "status"))));
    }

    [Fact]
    public async Task A_conversation_moves_on_by_itself_when_every_notice_and_a_release_are_lost()
    {
        var script = new ProcessorScript();
        var conversation = await Create();
        var (first, second) = (script.Echo("unnoticed first"), script.Echo("unnoticed second"));
        // No notice of an ended message gets through while this test runs, and the first release is lost as well: only
        // the conversation's own check brings it along.
        for (var i = 0; i < 1000; i++)
        {
            InjectedFaults.FailNextCall<Grains.Interfaces.IConversationGrain>("MessageEnded", () => new InvalidOperationException("injected: notice lost"));
        }

        InjectedFaults.FailNextCall<Grains.Interfaces.IChatResultGrain>("Release", () => new InvalidOperationException("injected: release lost"));
        try
        {
            var firstId = await Post(conversation, first);
            var secondId = await Post(conversation, second);

            await Api.WaitForStatus(secondId, "completed");
            var ended = await Eventually.Returns(
                () => Get(conversation), c => c.GetProperty("messages").EnumerateArray().All(m => Text(m, "status") == "completed"), "both messages recorded as completed");
            Assert.Equal([firstId, secondId], ended.GetProperty("messages").EnumerateArray().Select(m => Text(m, "id")));
            Assert.Equal([("user", first), ("assistant", first), ("user", second)], script.Trace(second).Prompt(1));
        }
        finally
        {
            InjectedFaults.Clear();
        }
    }

    private async Task<string> Create(object? body = null)
    {
        using var response = await Http.PostAsJsonAsync("/conversations", body ?? new { });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Text(await ChatApi.Json(response), "id");
    }

    private async Task<string> Post(string conversation, string message)
    {
        using var response = await Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Text(await ChatApi.Json(response), "id");
    }

    private async Task<JsonElement> Get(string conversation)
    {
        using var response = await Http.GetAsync($"/conversations/{conversation}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ChatApi.Json(response);
    }

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    private static async Task AssertProblemNaming(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(error => error.Name));
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await ChatApi.Json(response);
            Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
            return problem;
        }
    }
}
