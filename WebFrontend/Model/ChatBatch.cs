using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Model;

/// <summary>Body of POST /chat/batch: up to Chat:MaxBatchSize messages, each as POST /chat takes one.</summary>
public sealed record ChatBatchRequest(IReadOnlyList<ChatRequest?>? Messages);

/// <summary>Body of 200 from POST /chat/batch: one entry per message, in the order sent.</summary>
public sealed record ChatBatchResponse(IReadOnlyList<ChatBatchItem> Items);

/// <summary>
/// One message's outcome: its id and status ("queued", or the current status of the message its id already holds),
/// or the problem details POST /chat would have answered for it, with the id when there is one.
/// </summary>
public sealed record ChatBatchItem(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ProblemDetails? Problem);
