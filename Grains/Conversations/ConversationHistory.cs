using Grains.Interfaces;

namespace Grains.Conversations;

/// <summary>What a conversation's message is sent after: a pure rule, so the trimming is tested without a cluster.</summary>
public static class ConversationHistory
{
    /// <summary>
    /// The system prompt (if any), then the answered messages among <paramref name="earlier"/> with their replies, the
    /// last <paramref name="maxMessages"/> of those. A message that failed or was cancelled has no reply to pair with,
    /// and the backend never saw an exchange for it, so it is left out.
    /// </summary>
    public static ConversationTurn[] Before(string? system, IEnumerable<ConversationEntry> earlier, int maxMessages)
    {
        var exchanges = earlier
            .Where(entry => entry is { Status: ChatStatus.Completed, Reply: not null })
            .SelectMany(entry => new[] { new ConversationTurn(ConversationRole.User, entry.Message), new ConversationTurn(ConversationRole.Assistant, entry.Reply!) })
            .TakeLast(maxMessages);
        return system is null ? [.. exchanges] : [new ConversationTurn(ConversationRole.System, system), .. exchanges];
    }
}
