namespace Grains.Interfaces;

/// <summary>
/// What a client asks the cluster to process. <paramref name="Id"/> is already chosen (by the client or the frontend).
/// <paramref name="Request"/> names the client's request, so the same request repeated after a lost answer is told
/// apart from a new submission of the same message. <paramref name="Backend"/> names the backend that should answer;
/// null means the cluster's default. A conversation's message names its <paramref name="ConversationId"/>, and is
/// <paramref name="Held"/> (queued, not yet handed to the stream) while an earlier message of the conversation runs.
/// <paramref name="CallbackUrl"/>, checked by the frontend, is told the message's outcome as the configured webhooks are.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatSubmission")]
public sealed record ChatSubmission(
    [property: Id(0)] string Id,
    [property: Id(1)] string Message,
    [property: Id(2)] Guid Request = default,
    [property: Id(3)] string? Backend = null,
    [property: Id(4)] string? ConversationId = null,
    [property: Id(5)] bool Held = false,
    [property: Id(6)] string? CallbackUrl = null);
