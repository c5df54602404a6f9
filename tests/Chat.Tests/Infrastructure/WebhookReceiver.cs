using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// One request a <see cref="WebhookReceiver"/> took: what was sent, the status it answered (0 while it has not), and
/// whether the exchange has ended (a silent one ends only when the sender gives up or the receiver stops).
/// </summary>
public sealed record WebhookRequest(string Path, string? MessageId, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public int Answered { get; set; }

    public bool Ended { get; set; }

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}

/// <summary>
/// A webhook receiver on loopback, a real Kestrel server: records every POST with its headers and body, answers 200,
/// or 500 to the first deliveries of a message it was told to fail, or 307 elsewhere to the first delivery of one it
/// was told to redirect, and never answers on <c>/silent</c> (until it stops).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string SilentPath = "/silent";

    private readonly ConcurrentQueue<WebhookRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new();
    private readonly ConcurrentDictionary<string, string> _redirectOnce = new();
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication _app = null!;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/{**path}", receiver.ReceiveAsync);
        await app.StartAsync();
        receiver._app = app;
        receiver.BaseUrl = new Uri(app.Urls.Single());
        return receiver;
    }

    public string Url(string path, string host = "127.0.0.1") => $"http://{host}:{BaseUrl.Port}{path}";

    /// <summary>The first <paramref name="times"/> deliveries of message <paramref name="messageId"/> get 500.</summary>
    public void FailFirst(string messageId, int times) => _failuresLeft[messageId] = times;

    /// <summary>The first delivery of message <paramref name="messageId"/> gets 307 to <paramref name="location"/>.</summary>
    public void RedirectFirst(string messageId, string location) => _redirectOnce[messageId] = location;

    public IReadOnlyList<WebhookRequest> Received(string path, string messageId) =>
        _requests.Where(request => request.Path == path && request.MessageId == messageId).ToList();

    /// <summary>Waits until the requests to <paramref name="path"/> for the message satisfy <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<WebhookRequest>> WaitFor(
        string path, string messageId, Func<IReadOnlyList<WebhookRequest>, bool> done, string waitingFor, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.Returns(() => Task.FromResult(Received(path, messageId)), done, $"{waitingFor} (at {path} for message {messageId})", timeout);
        }
        catch (TimeoutException timedOut)
        {
            var seen = Received(path, messageId).Select(request => $"attempt {request.Header("X-Webhook-Attempt")} answered {request.Answered}");
            throw new TimeoutException($"{timedOut.Message}; received: [{string.Join(", ", seen)}]", timedOut);
        }
    }

    /// <summary>Waits for the first request to <paramref name="path"/> for the message that was answered 200.</summary>
    public async Task<WebhookRequest> WaitForDelivered(string path, string messageId) =>
        (await WaitFor(path, messageId, requests => requests.Any(request => request.Answered == 200), "a delivery answered 200"))
            .First(request => request.Answered == 200);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new WebhookRequest(context.Request.Path, MessageIdOf(body), body, headers);
        _requests.Enqueue(request);
        if (request.Path == SilentPath)
        {
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            await Task.Delay(Timeout.Infinite, gone.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            request.Ended = true;
            return;
        }

        if (request.MessageId is { } redirected && _redirectOnce.TryRemove(redirected, out var location))
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = location;
            request.Answered = context.Response.StatusCode;
            request.Ended = true;
            return;
        }

        var fail = request.MessageId is { } id && _failuresLeft.TryGetValue(id, out var left) && left > 0 && _failuresLeft.TryUpdate(id, left - 1, left);
        context.Response.StatusCode = fail ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
        request.Answered = context.Response.StatusCode;
        request.Ended = true;
    }

    private static string? MessageIdOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
