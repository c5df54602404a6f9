namespace Grains.Interfaces;

/// <summary>
/// The event carried by the work stream: just enough for a worker to process the message. A retry carries
/// <see cref="NotBefore"/>, its backoff, so it waits in the stream and never in a timer a dying silo would lose.
/// <see cref="Backend"/> is the backend this attempt goes to; its partition's worker belongs to that backend.
/// <see cref="ConversationId"/>: the message belongs to that conversation, whose history goes to the backend before it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatWorkItem")]
public sealed record ChatWorkItem(
    [property: Id(0)] string Id,
    [property: Id(1)] string Message,
    [property: Id(2)] DateTimeOffset EnqueuedAt,
    [property: Id(3)] DateTimeOffset? NotBefore = null,
    [property: Id(4)] string Backend = BackendNames.Echo,
    [property: Id(5)] string? ConversationId = null);
