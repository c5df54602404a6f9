namespace Grains.Interfaces;

[GenerateSerializer, Alias("SubmitStatus")]
public enum SubmitStatus
{
    /// <summary>New message: stored as queued and handed to the work stream.</summary>
    Accepted = 0,

    /// <summary>The id already holds this same message; nothing new was queued.</summary>
    Existing = 1,

    /// <summary>The id already holds a different message.</summary>
    Conflict = 2,

    /// <summary>The cluster's backlog is full; nothing was stored.</summary>
    Busy = 3,
}

/// <summary>The dispatcher's answer. <see cref="Result"/> is null only when <see cref="Status"/> is Busy.</summary>
[GenerateSerializer, Immutable, Alias("SubmitOutcome")]
public sealed record SubmitOutcome(
    [property: Id(0)] SubmitStatus Status,
    [property: Id(1)] ChatResult? Result,
    [property: Id(2)] TimeSpan RetryAfter);
