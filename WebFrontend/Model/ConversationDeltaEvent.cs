namespace WebFrontend.Model;

/// <summary>
/// Data of a <c>delta</c> event of GET /conversations/{id}/events: a <see cref="ReplyDeltaEvent"/> with the id of the
/// message whose reply it is part of.
/// </summary>
public sealed record ConversationDeltaEvent(string Id, long Seq, string Text);
