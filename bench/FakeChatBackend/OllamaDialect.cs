using System.Text.Json;

namespace FakeChatBackend;

/// <summary>
/// Ollama's native /api/chat: newline-delimited JSON, streaming unless asked not to. Errors take Ollama's own
/// form, <c>{"error":"..."}</c>, since that is what Ollama clients look for.
/// </summary>
internal sealed class OllamaDialect : IChatDialect
{
    public static OllamaDialect Instance { get; } = new();

    private const string ContentType = "application/x-ndjson";

    public bool StreamsByDefault => true;

    public Task WriteWholeAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken) =>
        response.WriteAsJsonAsync(Final(request, request.Reply), ChatApiJson.Default.OllamaChatResponse, cancellationToken: cancellationToken);

    public Task WriteTokenAsync(HttpResponse response, ChatRequest request, string token, bool first, CancellationToken cancellationToken)
    {
        if (first)
        {
            response.ContentType = ContentType;
        }

        return WriteLineAsync(response, new OllamaChatResponse(request.Model, Now(), new ChatMessage("assistant", token), Done: false), cancellationToken);
    }

    public Task EndStreamAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken) =>
        WriteLineAsync(response, Final(request, ""), cancellationToken);

    public Task WriteErrorAsync(HttpResponse response, int statusCode, string type, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = statusCode;
        return response.WriteAsJsonAsync(new OllamaError(message), ChatApiJson.Default.OllamaError, cancellationToken: cancellationToken);
    }

    public Task WriteErrorPayloadAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken)
    {
        var error = new OllamaError("The model failed to answer (injected by the fake backend).");
        if (!request.Stream)
        {
            return response.WriteAsJsonAsync(error, ChatApiJson.Default.OllamaError, cancellationToken: cancellationToken);
        }

        response.ContentType = ContentType;
        return response.Body.WriteAsync(Line(error, ChatApiJson.Default.OllamaError), cancellationToken).AsTask();
    }

    public Task WriteMalformedAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken)
    {
        response.ContentType = request.Stream ? ContentType : "application/json";
        return response.Body.WriteAsync("{\"model\":\"fake\",\"message\":{\"role\":\n"u8.ToArray(), cancellationToken).AsTask();
    }

    private static OllamaChatResponse Final(ChatRequest request, string content) => new(
        request.Model, Now(), new ChatMessage("assistant", content), Done: true, DoneReason: "stop",
        PromptEvalCount: request.PromptTokens, EvalCount: request.CompletionTokens);

    private static async Task WriteLineAsync(HttpResponse response, OllamaChatResponse line, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Line(line, ChatApiJson.Default.OllamaChatResponse), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static byte[] Line<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        [.. JsonSerializer.SerializeToUtf8Bytes(value, type), (byte)'\n'];

    private static string Now() => DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
