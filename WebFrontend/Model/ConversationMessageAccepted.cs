namespace WebFrontend.Model;

/// <summary>Body of 202 from POST /conversations/{id}/messages: the message's id, read as any other at /result/{id}.</summary>
public sealed record ConversationMessageAccepted(string Id, string Status, string ConversationId);
