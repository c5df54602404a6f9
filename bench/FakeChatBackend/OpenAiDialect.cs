using System.Text;
using System.Text.Json;

namespace FakeChatBackend;

/// <summary>OpenAI's /v1/chat/completions: one JSON object, or server-sent events ending in `data: [DONE]`.</summary>
internal sealed class OpenAiDialect : IChatDialect
{
    public static OpenAiDialect Instance { get; } = new();

    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public bool StreamsByDefault => false;

    public Task WriteWholeAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken)
    {
        var completion = new ChatCompletion(
            IdFor(response), "chat.completion", Now(), request.Model,
            [new CompletionChoice(0, new ChatMessage("assistant", request.Reply), "stop")],
            UsageOf(request));
        return response.WriteAsJsonAsync(completion, ChatApiJson.Default.ChatCompletion, cancellationToken: cancellationToken);
    }

    public async Task WriteTokenAsync(HttpResponse response, ChatRequest request, string token, bool first, CancellationToken cancellationToken)
    {
        if (first)
        {
            StartEvents(response);
        }

        var delta = new ChunkDelta(first ? "assistant" : null, token);
        await WriteEventAsync(response, Chunk(response, request, [new ChunkChoice(0, delta, null)], usage: null), cancellationToken);
    }

    public async Task EndStreamAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken)
    {
        await WriteEventAsync(response, Chunk(response, request, [new ChunkChoice(0, new ChunkDelta(null, null), "stop")], usage: null), cancellationToken);

        // Sent whether or not stream_options.include_usage asked for it: clients that did not ask ignore it.
        await WriteEventAsync(response, Chunk(response, request, [], UsageOf(request)), cancellationToken);
        await response.Body.WriteAsync(Done, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public Task WriteErrorAsync(HttpResponse response, int statusCode, string type, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = statusCode;
        var code = statusCode switch
        {
            StatusCodes.Status429TooManyRequests => "rate_limit_exceeded",
            StatusCodes.Status503ServiceUnavailable => "service_unavailable",
            _ => null,
        };
        return response.WriteAsJsonAsync(new OpenAiError(new OpenAiErrorDetail(message, type, code)), ChatApiJson.Default.OpenAiError, cancellationToken: cancellationToken);
    }

    public async Task WriteErrorPayloadAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken)
    {
        var error = new OpenAiError(new OpenAiErrorDetail("The model failed to answer (injected by the fake backend).", "server_error", null));
        if (!request.Stream)
        {
            await response.WriteAsJsonAsync(error, ChatApiJson.Default.OpenAiError, cancellationToken: cancellationToken);
            return;
        }

        // What OpenAI-compatible servers (vLLM, llama.cpp) send when a stream fails after its 200.
        StartEvents(response);
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(error, ChatApiJson.Default.OpenAiError)}\n\n"), cancellationToken);
        await response.Body.WriteAsync(Done, cancellationToken);
    }

    public async Task WriteMalformedAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken)
    {
        if (request.Stream)
        {
            StartEvents(response);
            await response.Body.WriteAsync("data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":\n\n"u8.ToArray(), cancellationToken);
            await response.Body.WriteAsync(Done, cancellationToken);
            return;
        }

        response.ContentType = "application/json";
        await response.Body.WriteAsync("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"choices\":[{\"message\":"u8.ToArray(), cancellationToken);
    }

    private static void StartEvents(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
    }

    private static async Task WriteEventAsync(HttpResponse response, ChatCompletionChunk chunk, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(chunk, ChatApiJson.Default.ChatCompletionChunk);
        await response.Body.WriteAsync("data: "u8.ToArray(), cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static ChatCompletionChunk Chunk(HttpResponse response, ChatRequest request, IReadOnlyList<ChunkChoice> choices, TokenUsage? usage) =>
        new(IdFor(response), "chat.completion.chunk", Now(), request.Model, choices, usage);

    private static TokenUsage UsageOf(ChatRequest request) =>
        new(request.PromptTokens, request.CompletionTokens, request.PromptTokens + request.CompletionTokens);

    private static string IdFor(HttpResponse response) => $"chatcmpl-{response.HttpContext.TraceIdentifier.Replace(':', '-')}";

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
