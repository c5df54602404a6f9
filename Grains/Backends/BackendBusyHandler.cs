using System.Globalization;
using System.Net;

namespace Grains.Backends;

/// <summary>
/// Sits under every backend's client and turns "not now" answers into <see cref="BackendBusyException"/>, the same for
/// every client library, before any of them reads the body: 429 always (with Retry-After, OpenAI's retry-after-ms, or
/// a default), 503 when it says how long to wait (a 503 without that is an ordinary failure).
/// </summary>
internal sealed class BackendBusyHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>How long to wait after a 429 that does not say.</summary>
    internal static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    // A backend asking for longer than this is treated as asking for this: the message would otherwise sit for hours.
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var status = (int)response.StatusCode;
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
        {
            return response;
        }

        var retryAfter = RetryAfter(response);
        if (retryAfter is null && response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return response;
        }

        response.Dispose();
        throw new BackendBusyException(status, retryAfter ?? DefaultRetryAfter);
    }

    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        TimeSpan? wait = null;
        if (response.Headers.TryGetValues("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
        {
            wait = TimeSpan.FromMilliseconds(ms);
        }
        else if (response.Headers.RetryAfter?.Delta is { } delta)
        {
            wait = delta;
        }
        else if (response.Headers.RetryAfter?.Date is { } date)
        {
            wait = date - DateTimeOffset.UtcNow;
        }

        return wait is null ? null : wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;
    }
}
