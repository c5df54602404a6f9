using Grains.Interfaces;
using Microsoft.Extensions.AI;

namespace Grains.Conversations;

/// <summary>
/// The messages an attempt sends its backend: a conversation's history first, then the message itself. A history that
/// cannot be read now fails the attempt, which is retried like any other failure.
/// </summary>
public sealed class ConversationPrompts(IGrainFactory grains)
{
    public async Task<List<ChatMessage>> ForAsync(ChatWorkItem item)
    {
        var messages = new List<ChatMessage>();
        if (item.ConversationId is { } conversation)
        {
            // Asked at each attempt rather than carried in the stream entry: the history is the conversation's now,
            // and entries stay small however long the conversation grows.
            foreach (var turn in await grains.GetGrain<IConversationGrain>(conversation).History(item.Id))
            {
                messages.Add(new ChatMessage(RoleOf(turn.Role), turn.Text));
            }
        }

        messages.Add(new ChatMessage(ChatRole.User, item.Message));
        return messages;
    }

    private static ChatRole RoleOf(ConversationRole role) => role switch
    {
        ConversationRole.System => ChatRole.System,
        ConversationRole.User => ChatRole.User,
        ConversationRole.Assistant => ChatRole.Assistant,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };
}
