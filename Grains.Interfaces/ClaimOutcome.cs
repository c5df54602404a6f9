namespace Grains.Interfaces;

[GenerateSerializer, Alias("ClaimStatus")]
public enum ClaimStatus
{
    /// <summary>This caller runs the attempt numbered <see cref="ClaimOutcome.Attempt"/>.</summary>
    Claimed = 0,

    /// <summary>The message has ended (completed, failed or cancelled): this delivery is spent.</summary>
    Ended = 1,

    /// <summary>Another attempt is running on a live silo and within its time limit: leave this delivery be.</summary>
    Running = 2,
}

/// <summary>The answer to a worker asking to run a message.</summary>
[GenerateSerializer, Immutable, Alias("ClaimOutcome")]
public sealed record ClaimOutcome(
    [property: Id(0)] ClaimStatus Status,
    [property: Id(1)] int Attempt);
