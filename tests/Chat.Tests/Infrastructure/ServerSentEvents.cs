using System.Net;
using System.Text.Json;

namespace Chat.Tests.Infrastructure;

/// <summary>Reads a text/event-stream response, as a browser's EventSource would see it.</summary>
public static class ServerSentEvents
{
    public static Task<IReadOnlyList<(string Event, JsonElement Data)>> ReadAll(
        HttpClient http, string path, TimeSpan timeout, Action<JsonElement>? received = null) =>
        Read(http, path, int.MaxValue, timeout, received);

    /// <summary>
    /// Reads until the stream ends or <paramref name="maxEvents"/> events arrived; <paramref name="received"/>
    /// sees each event's data as it arrives, so a test can act once the watcher has seen a state.
    /// </summary>
    public static Task<IReadOnlyList<(string Event, JsonElement Data)>> Read(
        HttpClient http, string path, int maxEvents, TimeSpan timeout, Action<JsonElement>? received = null) =>
        ReadUntil(http, path, events => events.Count >= maxEvents, timeout, received);

    /// <summary>Reads until the stream ends or <paramref name="done"/> holds for the events read so far.</summary>
    public static async Task<IReadOnlyList<(string Event, JsonElement Data)>> ReadUntil(
        HttpClient http, string path, Func<IReadOnlyList<(string Event, JsonElement Data)>, bool> done, TimeSpan timeout,
        Action<JsonElement>? received = null)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = new List<(string, JsonElement)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        string eventType = "message", data = "";
        while (await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventType = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data += line["data:".Length..].TrimStart();
            }
            else if (line.Length == 0 && data.Length > 0)
            {
                var parsed = JsonDocument.Parse(data).RootElement.Clone();
                events.Add((eventType, parsed));
                received?.Invoke(parsed);
                eventType = "message";
                data = "";
                if (done(events))
                {
                    break;
                }
            }
        }

        return events;
    }

    /// <summary>
    /// Reads events with their ids as a browser's EventSource would, sending <paramref name="lastEventId"/> as a
    /// reconnecting one does, until the stream ends or <paramref name="stopAfter"/> holds.
    /// </summary>
    public static async Task<List<SseEvent>> ReadWithIds(
        HttpClient http, string path, TimeSpan timeout, string? lastEventId = null, Func<SseEvent, bool>? stopAfter = null)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<SseEvent>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        string type = "message", data = "";
        string? eventId = null;
        while (await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                type = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("id:", StringComparison.Ordinal))
            {
                eventId = line["id:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data += line["data:".Length..].TrimStart();
            }
            else if (line.Length == 0 && data.Length > 0)
            {
                var received = new SseEvent(type, eventId, JsonDocument.Parse(data).RootElement.Clone());
                events.Add(received);
                (type, data, eventId) = ("message", "", null);
                if (stopAfter?.Invoke(received) == true)
                {
                    break;
                }
            }
        }

        return events;
    }
}

/// <summary>One event as a browser's EventSource sees it: its type, its id (null without an id line), its data.</summary>
public sealed record SseEvent(string Event, string? Id, JsonElement Data);
