using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// Replies streamed from a paced backend through the result grain to SSE watchers on a three-silo cluster: pieces
/// numbered without gaps that join up to the final result, a growing partial, resuming by Last-Event-ID, a retried
/// attempt announced before its pieces, and no storage write per piece.
/// </summary>
[Collection(StreamingClusterCollection.Name)]
public sealed class StreamingTests(StreamingClusterFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const int Words = 80;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private ChatApi Api => fixture.Api;

    public void Dispose() => fixture.Paced.Reset();

    [Fact]
    public async Task Deltas_numbered_from_one_without_gaps_arrive_before_the_result_and_join_up_to_its_text()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 100);
        var id = await Submit("joined");

        var events = await Read($"/result/{id}/events", Timeout);

        var final = events[^1];
        Assert.Equal(("result", "completed"), (final.Event, final.Data.GetProperty("status").GetString()));
        var deltas = events.Where(e => e.Event == "delta").ToArray();
        Assert.True(deltas.Length >= 3, $"{deltas.Length} delta events; several expected from a reply paced over {Words / 100.0:0.0} s");
        Assert.Equal(Enumerable.Range(1, deltas.Length).Select(n => (long)n), deltas.Select(e => e.Data.GetProperty("seq").GetInt64()));
        Assert.Equal(deltas.Select(e => e.Data.GetProperty("seq").GetInt64().ToString()), deltas.Select(e => e.Id));
        Assert.Equal(final.Data.GetProperty("result").GetString(), string.Concat(deltas.Select(Text)));
        Assert.Equal(ExpectedReply("joined"), final.Data.GetProperty("result").GetString());
        var sizes = deltas.Select(e => Text(e).Length).ToArray();
        output.WriteLine($"{Words + 3} tokens at 100/s: {deltas.Length} deltas, {sizes.Min()}..{sizes.Max()} chars (mean {sizes.Average():0.0}) of {final.Data.GetProperty("result").GetString()!.Length}");
    }

    [Fact]
    public async Task The_stored_state_is_written_per_transition_not_per_piece()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 100);
        var id = await Submit("stored");

        var events = await Read($"/result/{id}/events", Timeout);

        Assert.True(events.Count(e => e.Event == "delta") >= 3);
        // Accepted (queued), claimed (processing), completed: the pieces in between are held in memory only.
        Assert.Equal(3, fixture.Writes(id).Writes);
    }

    [Fact]
    public async Task While_it_runs_the_result_shows_a_growing_partial_reply()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 40);
        var id = await Submit("partial");

        var partials = new List<string>();
        var deadline = Stopwatch.StartNew();
        JsonElement result;
        do
        {
            Assert.True(deadline.Elapsed < Timeout, $"not completed within {Timeout.TotalSeconds:0} s");
            result = await Api.Result(id);
            if (result.GetProperty("partial").GetString() is { Length: > 0 } partial && (partials.Count == 0 || partials[^1] != partial))
            {
                partials.Add(partial);
            }

            // A poll interval, not a wait for a state: the loop ends when the message does.
            await Task.Delay(25);
        }
        while (result.GetProperty("status").GetString() != "completed");

        var reply = result.GetProperty("result").GetString()!;
        Assert.Equal(JsonValueKind.Null, result.GetProperty("partial").ValueKind);
        Assert.True(partials.Count >= 3, $"{partials.Count} distinct partial replies seen");
        Assert.All(partials, partial => Assert.StartsWith(partial, reply));
        Assert.Equal(partials.OrderBy(partial => partial.Length), partials);
    }

    [Fact]
    public async Task Reconnecting_with_last_event_id_gets_exactly_the_deltas_after_it_and_the_result()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 40);
        var id = await Submit("resumed");

        // The first connection goes away after its third piece.
        var before = await Read($"/result/{id}/events", Timeout, stopAfter: e => e.Event == "delta" && e.Id == "3");
        var after = await Read($"/result/{id}/events", Timeout, lastEventId: "3");

        Assert.Equal(["1", "2", "3"], before.Where(e => e.Event == "delta").Select(e => e.Id));
        var resumed = after.Where(e => e.Event == "delta").ToArray();
        Assert.Equal(Enumerable.Range(4, resumed.Length).Select(n => n.ToString()), resumed.Select(e => e.Id));
        var final = after[^1];
        Assert.Equal(("result", "completed"), (final.Event, final.Data.GetProperty("status").GetString()));
        Assert.Equal(final.Data.GetProperty("result").GetString(), string.Concat(before.Concat(after).Where(e => e.Event == "delta").Select(Text)));
        output.WriteLine($"resumed after 3: {resumed.Length} more deltas; the resumed stream opened with {after[0].Event} ({after[0].Data.GetProperty("status").GetString()})");
    }

    [Fact]
    public async Task A_late_watcher_after_the_end_gets_the_remaining_deltas_and_the_final_result()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 200);
        var id = await Submit("late");
        var reply = (await Api.WaitForStatus(id, "completed")).GetProperty("result").GetString();

        var all = await Read($"/result/{id}/events", Timeout);
        var fromTwo = await Read($"/result/{id}/events", Timeout, lastEventId: "2");

        Assert.Equal(("result", "completed"), (all[^1].Event, all[^1].Data.GetProperty("status").GetString()));
        Assert.Equal(reply, string.Concat(all.Where(e => e.Event == "delta").Select(Text)));
        var lastSeq = all.Where(e => e.Event == "delta").Max(e => long.Parse(e.Id!));
        Assert.Equal(Enumerable.Range(3, (int)lastSeq - 2).Select(n => n.ToString()), fromTwo.Where(e => e.Event == "delta").Select(e => e.Id));
        Assert.Equal("result", fromTwo[^1].Event);
    }

    [Fact]
    public async Task A_retried_attempt_is_announced_by_a_result_event_before_its_deltas_which_join_up_to_the_result()
    {
        // The first request is cut half-way through its reply.
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 100);
        fixture.Paced.Inject(FakeFault.Disconnect);
        var id = await Submit("retried");

        var events = await Read($"/result/{id}/events", Timeout);

        var final = events[^1];
        Assert.Equal(("result", "completed", 2), (final.Event, final.Data.GetProperty("status").GetString(), final.Data.GetProperty("attempts").GetInt32()));
        var announced = events.FindLastIndex(e => e.Event == "result" && e.Data.GetProperty("status").GetString() == "processing");
        Assert.Equal(2, events[announced].Data.GetProperty("attempts").GetInt32());
        var firstAttempt = events.Take(announced).Where(e => e.Event == "delta").ToArray();
        var finalAttempt = events.Skip(announced).Where(e => e.Event == "delta").ToArray();
        Assert.NotEmpty(firstAttempt);
        Assert.StartsWith(string.Concat(firstAttempt.Select(Text)), final.Data.GetProperty("result").GetString());
        Assert.Equal(final.Data.GetProperty("result").GetString(), string.Concat(finalAttempt.Select(Text)));
        var seqs = events.Where(e => e.Event == "delta").Select(e => long.Parse(e.Id!)).ToArray();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Length, seqs.Distinct().Count());
        var finalSeqs = finalAttempt.Select(e => long.Parse(e.Id!)).ToArray();
        Assert.Equal(Enumerable.Range((int)finalSeqs[0], finalSeqs.Length).Select(n => (long)n), finalSeqs);
        output.WriteLine($"attempt 1: {firstAttempt.Length} deltas ({string.Concat(firstAttempt.Select(Text)).Length} chars) then cut; attempt 2: {finalAttempt.Length} deltas from seq {finalSeqs[0]}");
    }

    [Fact]
    public async Task A_last_event_id_that_is_not_a_number_answers_400()
    {
        var id = await Submit("bad-id");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/result/{id}/events");
        request.Headers.Add("Last-Event-ID", "abc");

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static string Text(SseEvent e) => e.Data.GetProperty("text").GetString()!;

    /// <summary>The fake's reply: the model's name, then the message word by word.</summary>
    private static string ExpectedReply(string tag) => $"m-paced says: {Message(tag)}";

    private static string Message(string tag) => string.Join(' ', Enumerable.Range(1, Words).Select(i => $"{tag}{i}"));

    private async Task<string> Submit(string tag)
    {
        var id = $"stream-{tag}-{Guid.NewGuid():N}";
        using var response = await Api.Submit(Message(tag), id, "paced");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return id;
    }

    private Task<List<SseEvent>> Read(string path, TimeSpan timeout, string? lastEventId = null, Func<SseEvent, bool>? stopAfter = null) =>
        ServerSentEvents.ReadWithIds(fixture.Http, path, timeout, lastEventId, stopAfter);
}
