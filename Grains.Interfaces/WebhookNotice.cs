namespace Grains.Interfaces;

/// <summary>
/// A message has finished, and one target is to be told: the configured subscriber <paramref name="Subscriber"/>, or,
/// when that is null, the <paramref name="CallbackUrl"/> its submission named. <paramref name="Result"/> is its outcome
/// with its ids as its own tenant names them (what that tenant's GET /result/{id} shows).
/// </summary>
[GenerateSerializer, Immutable, Alias("WebhookNotice")]
public sealed record WebhookNotice(
    [property: Id(0)] ChatResult Result,
    [property: Id(1)] string? Subscriber,
    [property: Id(2)] string? CallbackUrl = null);
