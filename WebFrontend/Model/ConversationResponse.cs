using Grains.Interfaces;

namespace WebFrontend.Model;

/// <summary>Body of GET /conversations/{id}: its backend, system prompt and messages in the order they were posted.</summary>
public sealed record ConversationResponse(string Id, string Backend, string? System, ConversationMessageResponse[] Messages)
{
    public static ConversationResponse From(ConversationView view) =>
        new(view.Id, view.Backend, view.System, [.. view.Messages.Select(ConversationMessageResponse.From)]);
}
