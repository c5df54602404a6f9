namespace WebFrontend.Model;

/// <summary>
/// Body of POST /conversations/{id}/messages. <see cref="Id"/> is optional; giving one makes the call idempotent.
/// <see cref="CallbackUrl"/>, optional, is sent the message's outcome, as for POST /chat.
/// </summary>
public sealed record ConversationMessageRequest(string? Message, string? Id = null, string? CallbackUrl = null);
