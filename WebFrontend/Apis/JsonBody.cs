using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace WebFrontend.Apis;

/// <summary>The checks a JSON body's headers pass before it is read, each failure with its own problem details.</summary>
public static class JsonBody
{
    public static ProblemHttpResult? CheckContentType(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return Problems.UnsupportedMediaType(request.ContentType);
        }

        // JSON is read as UTF-8 (RFC 8259); a body declared otherwise would be read as different text than was sent.
        return MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.Charset is { Length: > 0 } charset
            && !string.Equals(HeaderUtilities.RemoveQuotes(charset).Value, "utf-8", StringComparison.OrdinalIgnoreCase)
            ? Problems.UnsupportedCharset(charset.Value!)
            : null;
    }
}
