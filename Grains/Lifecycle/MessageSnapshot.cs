using Grains.Interfaces;

namespace Grains.Lifecycle;

public static class MessageSnapshot
{
    /// <summary>The message as clients see it.</summary>
    public static ChatResult ToResult(this MessageState state, string id) => new(
        id, state.Status, state.Message, state.Reply, state.Error, state.Attempts,
        state.Holder?.Silo, state.Holder?.Worker, state.EnqueuedAt, state.StartedAt, state.CompletedAt, state.Version,
        state.Backend, state.Model, state.InputTokens, state.OutputTokens, ConversationId: state.ConversationId);
}
