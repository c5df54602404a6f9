using Chat.Configuration;
using Grains.Interfaces;
using Grains.Lifecycle;
using Microsoft.Extensions.Options;

namespace Grains.Webhooks;

/// <summary>
/// A result grain's webhook effect: one delivery grain per target (each configured subscriber, and the message's
/// callback URL) stores the outcome and attempts it in the background, so no receiver holds the message up, and a
/// slow one holds up no other.
/// </summary>
public sealed class WebhookHandOver(IGrainFactory grains, IOptions<WebhooksOptions> options)
{
    public Task HandOverAsync(string id, MessageState state)
    {
        // What the message's own tenant reads at GET /result/{id}: its ids without the tenant.
        var shown = state.ToResult(TenantKeys.IdOf(id)) with
        {
            ConversationId = state.ConversationId is { } conversation ? TenantKeys.IdOf(conversation) : null,
        };
        var targets = options.Value.Subscribers.Keys.Select(name => (Subscriber: (string?)name, CallbackUrl: (string?)null));
        if (state.CallbackUrl is { } callback)
        {
            targets = targets.Append((null, callback));
        }

        return Task.WhenAll(targets.Select(target => grains.GetGrain<IWebhookDeliveryGrain>(IWebhookDeliveryGrain.KeyOf(id, state.Version, target.Subscriber))
            .Deliver(new WebhookNotice(shown, target.Subscriber, target.CallbackUrl)).AsTask()));
    }
}
