namespace Grains.Interfaces;

/// <summary>The event carried by the work stream: just enough for a worker to process the message.</summary>
[GenerateSerializer, Immutable, Alias("ChatWorkItem")]
public sealed record ChatWorkItem(
    [property: Id(0)] string Id,
    [property: Id(1)] string Message,
    [property: Id(2)] DateTimeOffset EnqueuedAt);
