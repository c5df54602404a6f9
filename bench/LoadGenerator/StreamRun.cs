using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LoadGenerator;

/// <summary>What one conversation's reply looked like from its SSE client.</summary>
/// <param name="Tag">The first word of the message, under which the fake backend logged its chunks' send times.</param>
/// <param name="Arrivals">For each delta of the final attempt, in order: its seq, when it arrived (Unix µs), its text.</param>
/// <param name="WatchedLate">The first event already said the message had ended: the watcher came after the reply.</param>
public sealed record StreamedReply(
    string Tag, string? Status, string? Result, IReadOnlyList<(long Seq, long ArrivedAt, string Text)> Arrivals, string? Error, bool WatchedLate = false);

/// <summary>
/// Opens every conversation at once, sends each one message for the fake backend, and reads each reply's
/// <c>delta</c> and <c>result</c> events over SSE until the message ends.
/// </summary>
public sealed partial class StreamRun(StreamOptions options, HttpClient http)
{
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];

    public async Task<IReadOnlyList<StreamedReply>> RunAsync()
    {
        using var drain = new CancellationTokenSource(options.Drain);
        var replies = new ConcurrentBag<StreamedReply>();
        await Task.WhenAll(Enumerable.Range(0, options.Conversations).Select(index => Task.Run(async () =>
            replies.Add(await OneAsync($"s{_runId}-{index}", drain.Token)))));
        return [.. replies];
    }

    /// <summary>The message: its tag, then enough words that the fake's reply has the asked number of chunks.</summary>
    public static string MessageFor(string tag, int chunks) =>
        string.Join(' ', Enumerable.Range(0, chunks - 2).Select(word => word == 0 ? tag : $"w{word}"));

    /// <summary>The reply split the way the fake splits it: each word with the whitespace around it.</summary>
    public static IReadOnlyList<string> Chunks(string reply) => [.. ChunkPattern().Matches(reply).Select(match => match.Value)];

    private async Task<StreamedReply> OneAsync(string tag, CancellationToken cancellationToken)
    {
        var arrivals = new List<(long, long, string)>();
        try
        {
            using var created = await http.PostAsJsonAsync("/conversations", new NewConversation(options.Backend), StreamJson.Default.NewConversation, cancellationToken);
            created.EnsureSuccessStatusCode();
            var conversation = (await created.Content.ReadFromJsonAsync(StreamJson.Default.Created, cancellationToken))!.Id;
            using var sent = await http.PostAsJsonAsync(
                $"/conversations/{conversation}/messages", new ConversationMessage(MessageFor(tag, options.Chunks)), StreamJson.Default.ConversationMessage, cancellationToken);
            sent.EnsureSuccessStatusCode();
            var id = (await sent.Content.ReadFromJsonAsync(StreamJson.Default.Created, cancellationToken))!.Id;

            using var events = await http.GetAsync($"/result/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            events.EnsureSuccessStatusCode();
            await using var body = await events.Content.ReadAsStreamAsync(cancellationToken);
            int? attempt = null;
            var first = true;
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
            {
                var arrivedAt = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
                var wasFirst = first;
                first = false;
                if (item.EventType == "delta")
                {
                    var delta = JsonSerializer.Deserialize(item.Data, StreamJson.Default.Delta)!;
                    arrivals.Add((delta.Seq, arrivedAt, delta.Text));
                    continue;
                }

                var result = JsonSerializer.Deserialize(item.Data, BenchJson.Default.Observed)!;
                if (attempt is { } seen && result.Attempts != seen)
                {
                    // A new attempt starts its reply over: what came before belongs to the one that failed.
                    arrivals.Clear();
                }

                attempt = result.Attempts;
                if (result.HasEnded)
                {
                    return new StreamedReply(tag, result.Status, result.Result, arrivals, null, wasFirst);
                }
            }

            return new StreamedReply(tag, null, null, arrivals, "the event stream ended before the message did");
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or JsonException)
        {
            return new StreamedReply(tag, null, null, arrivals, exception.Message);
        }
    }

    [GeneratedRegex(@"\s*\S+\s*")]
    private static partial Regex ChunkPattern();
}

public sealed record NewConversation(string Backend);

public sealed record ConversationMessage(string Message);

public sealed record Created(string Id);

public sealed record Delta(long Seq, string Text);

public sealed record FakeBehavior(int LatencyMs, double TokensPerSecond);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(NewConversation))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ConversationMessage))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Created))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Delta))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FakeBehavior))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FakeTokenTimes[]))]
internal sealed partial class StreamJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The fake backend's log entry for one streamed reply (GET /fake/tokens).</summary>
public sealed record FakeTokenTimes(string Tag, long[] SentAt);
