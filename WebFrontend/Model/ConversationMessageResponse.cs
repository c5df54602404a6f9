using Grains.Interfaces;

namespace WebFrontend.Model;

/// <summary>One message of GET /conversations/{id}: its text, status and reply (<see cref="Result"/>).</summary>
public sealed record ConversationMessageResponse(
    string Id, string Message, string Status, string? Result, DateTimeOffset EnqueuedAt, DateTimeOffset? CompletedAt)
{
    public static ConversationMessageResponse From(ConversationEntry entry) => new(
        entry.Id, entry.Message, ResultResponse.StatusName(entry.Status), entry.Reply, entry.EnqueuedAt, entry.CompletedAt);
}
