namespace Grains.Interfaces;

/// <summary>
/// <see cref="Cancelled"/>: this call cancelled the message. False with a result: it had already ended
/// (completed, failed or cancelled). False without a result: no such message.
/// </summary>
[GenerateSerializer, Immutable, Alias("CancelOutcome")]
public sealed record CancelOutcome(
    [property: Id(0)] bool Cancelled,
    [property: Id(1)] ChatResult? Result);
