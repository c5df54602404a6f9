namespace Grains.Interfaces;

/// <summary>A conversation as clients see it: its backend (resolved when it was created), system prompt and messages in order.</summary>
[GenerateSerializer, Immutable, Alias("ConversationView")]
public sealed record ConversationView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Backend,
    [property: Id(2)] string? System,
    [property: Id(3)] ConversationEntry[] Messages);
