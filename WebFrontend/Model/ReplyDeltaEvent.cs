namespace WebFrontend.Model;

/// <summary>Data of a <c>delta</c> event of GET /result/{id}/events: a piece of the running reply, numbered as the event's id.</summary>
public sealed record ReplyDeltaEvent(long Seq, string Text);
