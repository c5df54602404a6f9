using Grains.Interfaces;

namespace Grains.Webhooks;

/// <summary>
/// What a webhook delivery grain stores until its target has the outcome or is given up: the exact body and event sent
/// on every attempt, and the target with its attempts. Field ids are the storage format: add new ones, never reuse one.
/// </summary>
[GenerateSerializer, Alias("WebhookDeliveryState")]
public sealed class WebhookDeliveryState
{
    /// <summary>The JSON of GET /result/{id} for the outcome, as it was when the message finished.</summary>
    [Id(0)] public string Body { get; set; } = "";

    [Id(1)] public string Event { get; set; } = "";

    /// <summary>Stable across attempts, silos and repeated notices, so a receiver can drop what it has already taken.</summary>
    [Id(2)] public string DeliveryId { get; set; } = "";

    [Id(3)] public WebhookTarget Target { get; set; } = null!;
}

/// <summary>
/// The receiver of the outcome: a configured subscriber by its name (its URL and secret are read from the options at
/// each attempt, so a secret is never stored), or the message's own callback URL.
/// </summary>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="NextAttemptAt">When the next attempt is due.</param>
/// <param name="LastError">What the last attempt met, for the log line if delivery is given up.</param>
[GenerateSerializer, Immutable, Alias("WebhookTarget")]
public sealed record WebhookTarget(
    [property: Id(0)] string? Subscriber,
    [property: Id(1)] string? CallbackUrl,
    [property: Id(2)] int Attempts,
    [property: Id(3)] DateTimeOffset NextAttemptAt,
    [property: Id(4)] string? LastError = null)
{
    /// <summary>How the target is named in logs and metrics: the subscriber's name, or "callback".</summary>
    public string Name => Subscriber ?? "callback";

    public static string EventOf(ChatStatus status) => $"message.{ResultResponse.StatusName(status)}";
}
