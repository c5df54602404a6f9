namespace Grains.Interfaces;

/// <summary>
/// <see cref="Retried"/>: the message is queued again (by this request or one like it still in effect). False with a
/// result: its status does not allow a retry. False without a result: no such message.
/// </summary>
[GenerateSerializer, Immutable, Alias("RetryOutcome")]
public sealed record RetryOutcome(
    [property: Id(0)] bool Retried,
    [property: Id(1)] ChatResult? Result);
