using System.Net.Http.Headers;
using System.Text;
using Chat.Configuration;
using Microsoft.Extensions.Options;

namespace Grains.Webhooks;

/// <summary>
/// One attempt to one target: POST the stored body, signed, within <see cref="WebhooksOptions.Timeout"/>. Any 2xx is
/// delivered; anything else, a timeout or a connection that fails is an error to retry. Redirects are not followed
/// (a callback could use one to reach what its own URL may not).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, IOptions<WebhooksOptions> options)
{
    /// <summary>For configured subscribers, which the operator chose: any address.</summary>
    public const string SubscriberClient = "webhook-subscribers";

    /// <summary>For the URLs clients name: connects only where <see cref="CallbackAddresses"/> allows.</summary>
    public const string CallbackClient = "webhook-callbacks";

    public const string IdHeader = "X-Webhook-Id";
    public const string EventHeader = "X-Webhook-Event";
    public const string AttemptHeader = "X-Webhook-Attempt";

    /// <summary>Null when delivered, otherwise what went wrong.</summary>
    public async Task<string?> SendAsync(string deliveryId, WebhookDeliveryState delivery, WebhookTarget target, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        string url;
        string? secret;
        if (target.Subscriber is { } name)
        {
            if (!settings.Subscribers.TryGetValue(name, out var subscriber))
            {
                return $"the subscriber '{name}' is no longer configured";
            }

            (url, secret) = (subscriber.Url, subscriber.Secret);
        }
        else
        {
            (url, secret) = (target.CallbackUrl!, settings.CallbackSecret);
        }

        var body = Encoding.UTF8.GetBytes(delivery.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(IdHeader, deliveryId);
        request.Headers.Add(EventHeader, delivery.Event);
        request.Headers.Add(AttemptHeader, (target.Attempts + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(secret))
        {
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, secret));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            var client = clients.CreateClient(target.Subscriber is null ? CallbackClient : SubscriberClient);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.IsSuccessStatusCode ? null : $"answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {settings.Timeout.TotalSeconds:0.###} s";
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
        }
    }
}
