namespace Grains.Interfaces;

/// <summary>What a failed attempt led to: another attempt after <see cref="RetryAfter"/>, or a final failure.</summary>
[GenerateSerializer, Immutable, Alias("FailOutcome")]
public sealed record FailOutcome(
    [property: Id(0)] bool Recorded,
    [property: Id(1)] TimeSpan? RetryAfter);
