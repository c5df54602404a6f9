namespace Grains.Interfaces;

/// <summary>
/// Body of GET /result/{id}, and of every webhook delivery, so a receiver reads the document it could have polled for.
/// <see cref="Result"/> is the reply text; <see cref="Backend"/> the backend it is queued for or was answered by, with
/// the model and token counts that backend reported (null when it reported none); <see cref="Partial"/> the reply so
/// far while the message is processing (null otherwise); <see cref="ConversationId"/> the conversation the message
/// belongs to (null for a message on its own).
/// </summary>
public sealed record ResultResponse(
    string Id,
    string Status,
    string Message,
    string? Result,
    string? Error,
    int Attempts,
    string? Silo,
    string? Worker,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Backend,
    string? Model,
    int? InputTokens,
    int? OutputTokens,
    string? Partial,
    string? ConversationId)
{
    public static ResultResponse From(ChatResult r) => new(
        r.Id, StatusName(r.Status), r.Message, r.Reply, r.Error, r.Attempts,
        r.Silo, r.Worker, r.EnqueuedAt, r.StartedAt, r.CompletedAt, r.Backend, r.Model, r.InputTokens, r.OutputTokens, r.Partial,
        r.ConversationId);

    public static string StatusName(ChatStatus status) => status switch
    {
        ChatStatus.Queued => "queued",
        ChatStatus.Processing => "processing",
        ChatStatus.Completed => "completed",
        ChatStatus.Failed => "failed",
        ChatStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
