namespace Grains.Interfaces;

/// <summary>
/// One message of a conversation: its text, and once it has ended how (status, reply, when). Until then the status
/// is the message's own, read from its result grain. <see cref="CallbackUrl"/> is told its outcome, as for a message on
/// its own.
/// </summary>
[GenerateSerializer, Immutable, Alias("ConversationEntry")]
public sealed record ConversationEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] string Message,
    [property: Id(2)] ChatStatus Status,
    [property: Id(3)] string? Reply,
    [property: Id(4)] DateTimeOffset EnqueuedAt,
    [property: Id(5)] DateTimeOffset? CompletedAt,
    [property: Id(6)] string? CallbackUrl = null)
{
    public bool IsTerminal => Status is ChatStatus.Completed or ChatStatus.Failed or ChatStatus.Cancelled;
}
