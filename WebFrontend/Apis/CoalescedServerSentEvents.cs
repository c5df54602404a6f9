using System.Buffers;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace WebFrontend.Apis;

/// <summary>
/// Server-Sent Events as <see cref="Microsoft.AspNetCore.Http.HttpResults.ServerSentEventsResult{T}"/> writes them (same
/// headers, same event format, JSON data), but every event already at hand goes out in one flush rather than one flush
/// each: a watch that was handed several pieces at once (a batch from a silo, a catch-up, a reply's last piece and its
/// result) costs one write to the connection. Nothing waits for more: once the next event is not ready, what was
/// written is flushed.
/// </summary>
public sealed class CoalescedServerSentEvents<T>(IAsyncEnumerable<SseItem<T>> events) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    /// <summary>Events written between flushes at most, so a source that always has more still reaches the client.</summary>
    private const int MaxEventsPerFlush = 64;

    private static readonly string[] ContentTypes = ["text/event-stream"];

    public int? StatusCode => StatusCodes.Status200OK;

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(SseItem<T>), ContentTypes));

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.ContentEncoding = "identity";
        httpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();

        var json = (httpContext.RequestServices.GetService<IOptions<JsonOptions>>()?.Value ?? new JsonOptions()).SerializerOptions;
        var body = response.BodyWriter;
        // A stream ends when the frontend stops, rather than holding its shutdown until the host gives up on it: the
        // client reconnects (to another frontend) with the last id it got and misses nothing.
        var stopping = httpContext.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);
        var cancellationToken = ended.Token;
        await using var items = events.GetAsyncEnumerator(cancellationToken);
        using var data = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = json.Encoder });
        try
        {
            await WriteAllAsync(items, body, data, json, cancellationToken);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !httpContext.RequestAborted.IsCancellationRequested)
        {
            await body.FlushAsync(httpContext.RequestAborted);
        }
    }

    private static async Task WriteAllAsync(
        IAsyncEnumerator<SseItem<T>> items, PipeWriter body, Utf8JsonWriter data, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var unflushed = 0;
        while (true)
        {
            var next = items.MoveNextAsync();
            if (unflushed > 0 && (!next.IsCompleted || unflushed >= MaxEventsPerFlush))
            {
                unflushed = 0;
                if ((await body.FlushAsync(cancellationToken)).IsCompleted)
                {
                    // The client is gone.
                    return;
                }
            }

            if (!await next)
            {
                if (unflushed > 0)
                {
                    await body.FlushAsync(cancellationToken);
                }

                return;
            }

            Write(body, data, json, items.Current);
            unflushed++;
        }
    }

    private static void Write(PipeWriter body, Utf8JsonWriter data, JsonSerializerOptions json, SseItem<T> item)
    {
        body.Write("event: "u8);
        Encoding.UTF8.GetBytes(item.EventType, body);
        if (item.EventId is { } id)
        {
            body.Write("\nid: "u8);
            Encoding.UTF8.GetBytes(id, body);
        }

        body.Write("\ndata: "u8);
        if (item.Data is { } value)
        {
            // Compact JSON escapes line breaks, so the data is one line.
            data.Reset(body);
            JsonSerializer.Serialize(data, value, json.GetTypeInfo(value.GetType()));
            data.Flush();
        }

        body.Write("\n\n"u8);
    }
}
