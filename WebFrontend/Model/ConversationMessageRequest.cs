namespace WebFrontend.Model;

/// <summary>Body of POST /conversations/{id}/messages. <see cref="Id"/> is optional; giving one makes the call idempotent.</summary>
public sealed record ConversationMessageRequest(string? Message, string? Id = null);
