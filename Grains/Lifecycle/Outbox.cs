namespace Grains.Lifecycle;

/// <summary>What the dead-letter index must be told.</summary>
public enum DeadLetterChange
{
    None,
    Add,
    Remove,
}

/// <summary>
/// The effects of a transition that must happen even if the silo dies right after storing it: they are stored
/// with the state, carried out, then cleared. Each is safe to repeat (a second publish is skipped at claim; the
/// dead-letter index lists an id once however often it is added, and ignores a repeated remove; a conversation
/// records an outcome once), so a reactivated grain simply carries out what is left.
/// </summary>
/// <param name="Publish">Hand the message to the work stream.</param>
/// <param name="NotBefore">With <paramref name="Publish"/>: the retry's backoff, carried in the stream entry.</param>
/// <param name="DeadLetter">Add the message to, or remove it from, the dead-letter index.</param>
/// <param name="NotifyConversation">
/// Tell the message's conversation how it ended, so the conversation records it and releases its next message (a
/// conversation takes the same outcome twice as once).
/// </param>
/// <param name="NotifyWebhooks">
/// Hand the finished message to its webhook delivery, which stores it and delivers it in the background (a delivery
/// takes the same outcome twice as once).
/// </param>
public sealed record Outbox(bool Publish, DateTimeOffset? NotBefore, DeadLetterChange DeadLetter, bool NotifyConversation = false, bool NotifyWebhooks = false)
{
    public static readonly Outbox Empty = new(false, null, DeadLetterChange.None);

    public bool IsEmpty => !Publish && DeadLetter == DeadLetterChange.None && !NotifyConversation && !NotifyWebhooks;
}
