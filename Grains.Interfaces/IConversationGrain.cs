using Orleans.Concurrency;

namespace Grains.Interfaces;

/// <summary>
/// One conversation, keyed by its id: its backend, its system prompt and its messages in the order they were posted.
/// Each message is a result grain of its own; the conversation holds each one back until the one before it has ended,
/// so they run strictly one after another, and gives the backend the history each one needs.
/// </summary>
[Alias("IConversationGrain")]
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the conversation with the given backend (null: the cluster's default) and system prompt. Throws
    /// <see cref="UnknownBackendException"/> or <see cref="ChatValidationException"/>. Asked again once it exists (a
    /// repeat after a lost answer), it answers with the conversation as it is.
    /// </summary>
    [Alias("Create")]
    ValueTask<ConversationView> Create(string? backend, string? system);

    /// <summary>The conversation with the current state of each message, in order; null when there is none.</summary>
    [Alias("Get")]
    ValueTask<ConversationView?> Get();

    /// <summary>
    /// Adds a message at the end and accepts it as a result grain, held until the messages before it have ended.
    /// Null when the conversation does not exist. Throws <see cref="ChatValidationException"/> for a bad id or message.
    /// The same message under the same id again is answered as <see cref="IChatResultGrain.Accept"/> answers it.
    /// </summary>
    [Alias("Post")]
    ValueTask<SubmitOutcome?> Post(ChatSubmission submission);

    /// <summary>
    /// What the backend is sent before the given message: the system prompt, then the earlier messages that were
    /// answered and their replies, the most recent ones within the configured limit. Empty for an unknown message.
    /// </summary>
    [Alias("History")]
    ValueTask<ConversationTurn[]> History(string messageId);

    /// <summary>A message of this conversation has ended (told by its result grain, maybe more than once).</summary>
    [Alias("MessageEnded")]
    ValueTask MessageEnded(ChatResult result);

    /// <summary>
    /// The message ids in order once there are more than <paramref name="known"/>, or after <paramref name="wait"/>
    /// whatever they are; null once the conversation does not exist. Interleaved: it only reads, and waits.
    /// </summary>
    [Alias("WaitForMessages"), AlwaysInterleave]
    ValueTask<string[]?> WaitForMessages(int known, TimeSpan wait);

    /// <summary>
    /// Cancels every message that has not ended and forgets the conversation: false if there was none, unless this
    /// same <paramref name="request"/> deleted it (a repeat whose first reply was lost).
    /// </summary>
    [Alias("Delete")]
    ValueTask<bool> Delete(Guid request);
}
