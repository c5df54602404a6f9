using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadGenerator;

/// <summary>The chat REST contract, as an efficient client speaks it: one pooled connection per concurrent request.</summary>
public sealed class ChatHttp : IDisposable
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(50);
    private readonly HttpClient _http;

    public ChatHttp(Uri url, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(120) };
    }

    /// <summary>POST /chat under a client-chosen id; the status code says accepted (202), busy (503) or else.</summary>
    public async Task<HttpStatusCode> SubmitAsync(string id, string message, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/chat", new Submission(message, id), BenchJson.Default.Submission, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>Polls GET /result/{id} until it ends, backing off from 2 ms to 50 ms between polls.</summary>
    public async Task<(Observed? Result, int Polls)> PollUntilEndedAsync(string id, CancellationToken cancellationToken)
    {
        var delay = FirstPoll;
        for (var polls = 1; ; polls++)
        {
            var result = await _http.GetFromJsonAsync($"/result/{id}", BenchJson.Default.Observed, cancellationToken);
            if (result is null || result.HasEnded)
            {
                return (result, polls);
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestPoll.Ticks));
        }
    }

    /// <summary>Reads GET /result/{id}/events until an event says the message ended.</summary>
    public async Task<Observed?> WatchUntilEndedAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"/result/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(body, (_, data) =>
            JsonSerializer.Deserialize(data, BenchJson.Default.Observed)).EnumerateAsync(cancellationToken))
        {
            if (item.Data is { HasEnded: true } ended)
            {
                return ended;
            }
        }

        return null;
    }

    public void Dispose() => _http.Dispose();
}

public sealed record Submission(string Message, string Id);

/// <summary>The parts of a result the generator checks.</summary>
public sealed record Observed(string Id, string Status, string? Result, int Attempts, string? Silo)
{
    [JsonIgnore]
    public bool HasEnded => Status is "completed" or "failed" or "cancelled";
}

// NaN stands for "nothing to measure" (no message ended, a process's memory unreadable): written, not thrown on.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(Submission))]
[JsonSerializable(typeof(Observed))]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(StreamReport))]
internal sealed partial class BenchJson : JsonSerializerContext;
