using Grains.Interfaces;

namespace WebFrontend.Model;

/// <summary>Body of GET /result/{id}. <see cref="Result"/> is the reply text.</summary>
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
    DateTimeOffset? CompletedAt)
{
    public static ResultResponse From(ChatResult r) => new(
        r.Id, StatusName(r.Status), r.Message, r.Reply, r.Error, r.Attempts,
        r.Silo, r.Worker, r.EnqueuedAt, r.StartedAt, r.CompletedAt);

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
