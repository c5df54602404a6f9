namespace Grains.Interfaces;

/// <summary>
/// <see cref="Cancelled"/>: the message is cancelled (by this call or an earlier one). False with a result: it had ended
/// otherwise (completed or failed). False without a result: no such message.
/// </summary>
[GenerateSerializer, Immutable, Alias("CancelOutcome")]
public sealed record CancelOutcome(
    [property: Id(0)] bool Cancelled,
    [property: Id(1)] ChatResult? Result);
