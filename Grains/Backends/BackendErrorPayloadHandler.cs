using System.Text.Json;

namespace Grains.Backends;

/// <summary>
/// Some servers answer 200 with an error object instead of a reply. The clients then fail on a missing field with a
/// message that names neither the backend nor the error, so a whole JSON answer is read here first, and one that
/// holds only an error becomes <see cref="BackendErrorPayloadException"/> carrying the backend's own words. A streamed
/// answer is read through <see cref="StreamedErrorScanner"/>, which does the same for each line as it passes.
/// </summary>
internal sealed class BackendErrorPayloadHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var media = response.Content.Headers.ContentType?.MediaType;
        if (response.IsSuccessStatusCode && media is "application/x-ndjson" or "text/event-stream")
        {
            var scanned = new StreamContent(new StreamedErrorScanner(await response.Content.ReadAsStreamAsync(cancellationToken), (int)response.StatusCode));
            foreach (var header in response.Content.Headers)
            {
                scanned.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = scanned;
            return response;
        }

        if (!response.IsSuccessStatusCode || media != "application/json")
        {
            return response;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        if (ErrorOf(await response.Content.ReadAsByteArrayAsync(cancellationToken)) is { } error)
        {
            response.Dispose();
            throw new BackendErrorPayloadException((int)response.StatusCode, error);
        }

        return response;
    }

    internal static string? ErrorOf(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error)
                || root.TryGetProperty("choices", out _) || root.TryGetProperty("message", out _))
            {
                return null;
            }

            // OpenAI's shape is {"error": {"message": ...}}; Ollama's is {"error": "..."}.
            return error.ValueKind switch
            {
                JsonValueKind.String => error.GetString(),
                JsonValueKind.Object when error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String => message.GetString(),
                _ => error.GetRawText(),
            };
        }
        catch (JsonException)
        {
            // Not JSON at all: the client says so in its own words.
            return null;
        }
    }
}

/// <summary>The backend answered with an error object where a reply should be.</summary>
public sealed class BackendErrorPayloadException(int status, string error)
    : Exception($"answered {status} with an error instead of a reply: {error}");
