namespace Grains.Interfaces;

/// <summary>
/// A snapshot of one message's result grain, as clients see it. <see cref="Version"/> grows with every change.
/// <see cref="Backend"/> is the backend the message is queued for or was answered by (a fallback, once the first one
/// failed every attempt); <see cref="Model"/> and the token counts are what that backend reported, null when it
/// reported nothing. <see cref="Partial"/> is the running attempt's reply so far (null unless processing);
/// <see cref="ReplySeq"/> the seq of the last <see cref="ReplyDelta"/> the grain made, so a watcher can tell it missed some.
/// <see cref="ConversationId"/> names the conversation the message belongs to (null for a message on its own).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatResult")]
public sealed record ChatResult(
    [property: Id(0)] string Id,
    [property: Id(1)] ChatStatus Status,
    [property: Id(2)] string Message,
    [property: Id(3)] string? Reply,
    [property: Id(4)] string? Error,
    [property: Id(5)] int Attempts,
    [property: Id(6)] string? Silo,
    [property: Id(7)] string? Worker,
    [property: Id(8)] DateTimeOffset EnqueuedAt,
    [property: Id(9)] DateTimeOffset? StartedAt,
    [property: Id(10)] DateTimeOffset? CompletedAt,
    [property: Id(11)] long Version = 0,
    [property: Id(12)] string? Backend = null,
    [property: Id(13)] string? Model = null,
    [property: Id(14)] int? InputTokens = null,
    [property: Id(15)] int? OutputTokens = null,
    [property: Id(16)] string? Partial = null,
    [property: Id(17)] long ReplySeq = 0,
    [property: Id(18)] string? ConversationId = null)
{
    public bool IsTerminal => Status is ChatStatus.Completed or ChatStatus.Failed or ChatStatus.Cancelled;
}
