namespace Grains.Interfaces;

/// <summary>
/// Delivers one finished message's outcome to one target (a configured subscriber, or the message's callback URL) at
/// least once, in the background. One grain per outcome and target, keyed by <see cref="KeyOf"/>, so a target that is
/// slow or down never holds up another.
/// </summary>
[Alias("IWebhookDeliveryGrain")]
public interface IWebhookDeliveryGrain : IGrainWithStringKey
{
    /// <summary>
    /// The outcome the message reached at <paramref name="version"/> (a later one, after a retry, is another delivery),
    /// for <paramref name="subscriber"/>, or for the callback when that is null.
    /// </summary>
    static string KeyOf(string messageKey, long version, string? subscriber) =>
        subscriber is null ? $"{messageKey}@{version}/callback" : $"{messageKey}@{version}/subscriber/{subscriber}";

    /// <summary>
    /// Stores the delivery and returns; it is attempted after. Repeat-safe: a notice this grain has already taken in
    /// is ignored.
    /// </summary>
    [Alias("Deliver")]
    ValueTask Deliver(WebhookNotice notice);
}
