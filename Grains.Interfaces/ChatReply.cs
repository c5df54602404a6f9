namespace Grains.Interfaces;

/// <summary>
/// What a backend answered for one attempt: the text, the model that wrote it and the tokens it reported using
/// (null where the backend does not report them).
/// </summary>
[GenerateSerializer, Immutable, Alias("ChatReply")]
public sealed record ChatReply(
    [property: Id(0)] string Text,
    [property: Id(1)] string? Model = null,
    [property: Id(2)] int? InputTokens = null,
    [property: Id(3)] int? OutputTokens = null);
